// JSON schema -> Gemini's Schema (the subset of OpenAPI 3.0 that responseSchema and
// function parameters take). What translates:
//   type (one type, or [T, "null"] -> nullable), nullable, description, title, default;
//   string: enum / const of strings, format "date-time", minLength, maxLength, pattern;
//   number, integer: minimum, maximum; array: items (one schema), minItems, maxItems;
//   object: properties (at least one), required, minProperties, maxProperties,
//   additionalProperties: false (Gemini only writes the declared properties anyway);
//   anyOf (a null member -> nullable); allOf of one schema; $ref to #/$defs or
//   #/definitions (inlined; a recursive one is refused).
// Annotations that constrain nothing ($schema, $id, $comment, examples, ...) are left out.
// Every other keyword (oneOf, not, if/then, const or enum of non-strings, other formats,
// exclusive bounds, multipleOf, prefixItems, uniqueItems, patternProperties, free-form
// objects, ...) is refused with UNSUPPORTED_FEATURE naming it and where it is: the request
// is never sent with a weaker schema than the caller wrote.

import type { ChatFeature } from '../types.js';
import { isRecord, unsupported } from '../shared.js';

export interface SchemaContext {
  provider: string;
  feature: ChatFeature;
  /** Where the schema is in the request (wire name), for messages. */
  field: string;
  /** Add propertyOrdering so the output keeps the schema's property order (Gemini sorts them otherwise). */
  ordering: boolean;
  /** The type the root must have. */
  root?: 'object';
}

type Schema = Record<string, unknown>;

/** Left out: they describe, they do not constrain. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', '$anchor', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$defs', 'definitions']);
const COMMON = ['description', 'title', 'default'];
const BY_TYPE: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'pattern'],
  number: ['minimum', 'maximum'],
  integer: ['minimum', 'maximum'],
  boolean: [],
  array: ['minItems', 'maxItems'],
  object: ['required', 'minProperties', 'maxProperties'],
};
const TYPED = new Set(Object.values(BY_TYPE).flat());
/** Keywords handled one by one below. */
const HANDLED = new Set(['type', 'nullable', 'enum', 'const', 'format', 'items', 'properties', 'additionalProperties', 'anyOf', 'allOf', '$ref']);
/** Bounds on the translated schema: $ref inlining may multiply a small schema. */
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;

/** A schema that only says "an object" (no properties, nothing required): a function without arguments. */
export function isEmptyObjectSchema(schema: Schema): boolean {
  const properties = schema.properties;
  if (properties !== undefined && !(isRecord(properties) && Object.keys(properties).length === 0)) return false;
  if (Array.isArray(schema.required) && schema.required.length > 0) return false;
  return schema.type === 'object' || (schema.type === undefined && properties !== undefined);
}

export function geminiSchema(schema: Schema, ctx: SchemaContext): Schema {
  const defs = { ...(isRecord(schema.definitions) ? schema.definitions : {}), ...(isRecord(schema.$defs) ? schema.$defs : {}) };
  const state = { nodes: 0, expanding: [] as string[] };

  const refuse = (path: string, what: string) =>
    unsupported(ctx.provider, ctx.feature, `${what} in ${ctx.field}${path ? ` (at ${path})` : ''}: Gemini takes a subset of JSON schema`, { field: ctx.field, ...(path ? { path } : {}) });

  /** `schema` with its $ref or single allOf member merged in (the schema's own keywords win). */
  const resolve = (s: Schema, path: string): { schema: Schema; ref?: string } => {
    if (typeof s.$ref === 'string') {
      const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(s.$ref);
      const name = m ? m[2]!.replaceAll('~1', '/').replaceAll('~0', '~') : undefined;
      if (name === undefined || !Object.hasOwn(defs, name) || !isRecord(defs[name])) throw refuse(path, `$ref ${JSON.stringify(s.$ref)} (only #/$defs/<name> of the root schema)`);
      if (state.expanding.includes(name)) throw refuse(path, `a recursive $ref (${s.$ref})`);
      const { $ref: _ref, ...own } = s;
      return { schema: { ...defs[name], ...own }, ref: name };
    }
    if (s.allOf !== undefined) {
      if (!Array.isArray(s.allOf) || s.allOf.length !== 1 || !isRecord(s.allOf[0])) throw refuse(path, 'allOf of more than one schema');
      const { allOf: _all, ...own } = s;
      return resolve({ ...s.allOf[0], ...own }, path);
    }
    return { schema: s };
  };

  const translate = (input: unknown, path: string, depth: number): Schema => {
    if (depth > MAX_DEPTH) throw refuse(path, `schemas nested deeper than ${MAX_DEPTH} levels (after $ref)`);
    if (++state.nodes > MAX_NODES) throw refuse(path, `schemas of more than ${MAX_NODES} nodes (after $ref)`);
    if (!isRecord(input)) throw refuse(path, input === true ? 'a schema that accepts any value (true)' : 'a schema that is not an object');
    const { schema: s, ref } = resolve(input, path);
    if (ref) state.expanding.push(ref);
    try {
      return translateResolved(s, path, depth);
    } finally {
      if (ref) state.expanding.pop();
    }
  };

  const translateResolved = (s: Schema, path: string, depth: number): Schema => {
    const at = (key: string) => (path ? `${path}.${key}` : key);
    const unknown = Object.keys(s).find((k) => !HANDLED.has(k) && !ANNOTATIONS.has(k) && !COMMON.includes(k) && !TYPED.has(k));
    if (unknown !== undefined) throw refuse(path, `the keyword "${unknown}"`);
    let nullable = s.nullable === true;
    if (s.nullable !== undefined && typeof s.nullable !== 'boolean') throw refuse(path, 'nullable that is not a boolean');

    if (s.anyOf !== undefined) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) throw refuse(path, 'anyOf that is not a list of schemas');
      const extra = Object.keys(s).filter((k) => k !== 'anyOf' && k !== 'nullable' && !COMMON.includes(k) && !ANNOTATIONS.has(k));
      if (extra.length) throw refuse(path, `"${extra[0]}" beside anyOf`);
      const members = [...s.anyOf.entries()].filter(([, m]) => !(isRecord(m) && m.type === 'null' && Object.keys(m).length === 1));
      if (members.length < s.anyOf.length) nullable = true;
      if (members.length === 0) throw refuse(path, 'a schema that only allows null');
      const each = members.map(([i, m]) => translate(m, at(`anyOf.${i}`), depth + 1));
      const out: Schema = each.length === 1 ? each[0]! : { anyOf: each };
      return withCommon(out, s, nullable);
    }

    let type = s.type;
    if (Array.isArray(type)) {
      const types = type.filter((t) => t !== 'null');
      if (types.length < type.length) nullable = true;
      if (types.length !== 1) throw refuse(path, `a union of types (${JSON.stringify(s.type)}); use anyOf`);
      type = types[0];
    }
    let values: unknown[] | undefined;
    if (s.const !== undefined) values = [s.const];
    else if (s.enum !== undefined) {
      if (!Array.isArray(s.enum) || s.enum.length === 0) throw refuse(path, 'enum that is not a list of values');
      values = s.enum.filter((v) => v !== null);
      if (values.length < s.enum.length) nullable = true;
    }
    if (values && values.some((v) => typeof v !== 'string')) throw refuse(path, `${s.const !== undefined ? 'const' : 'enum'} values that are not strings`);
    if (type === undefined) type = isRecord(s.properties) ? 'object' : s.items !== undefined ? 'array' : values ? 'string' : undefined;
    if (type === undefined) throw refuse(path, 'a schema without a type');
    if (typeof type !== 'string' || !Object.hasOwn(BY_TYPE, type)) throw refuse(path, `type ${JSON.stringify(type)}`);

    const misplaced = Object.keys(s).find((k) => TYPED.has(k) && !BY_TYPE[type]!.includes(k));
    if (misplaced !== undefined) throw refuse(path, `the keyword "${misplaced}" for type ${type}`);
    const out: Schema = { type };
    for (const key of BY_TYPE[type]!) {
      if (s[key] === undefined) continue;
      const ok = key === 'pattern' ? typeof s[key] === 'string' : key === 'required' ? Array.isArray(s[key]) && (s[key] as unknown[]).every((r) => typeof r === 'string') : typeof s[key] === 'number';
      if (!ok) throw refuse(at(key), `${key} ${JSON.stringify(s[key])}`);
      out[key] = s[key];
    }
    if (values) {
      if (type !== 'string') throw refuse(path, `enum or const for type ${type} (Gemini takes them for strings only)`);
      out.format = 'enum';
      out.enum = values;
    } else if (s.format !== undefined) {
      if (!(type === 'string' && s.format === 'date-time')) throw refuse(path, `format ${JSON.stringify(s.format)} (Gemini takes "date-time" for strings only)`);
      out.format = s.format;
    }
    if (type === 'array') {
      if (s.items === undefined) throw refuse(path, 'an array without items');
      if (Array.isArray(s.items)) throw refuse(at('items'), 'items as a list (tuples)');
      out.items = translate(s.items, at('items'), depth + 1);
    } else if (s.items !== undefined) throw refuse(path, `items for type ${type}`);
    if (type === 'object') {
      const properties = isRecord(s.properties) ? s.properties : {};
      const keys = Object.keys(properties);
      if (keys.length === 0) throw refuse(path, 'an object without properties (a free-form object)');
      if (s.additionalProperties !== undefined && s.additionalProperties !== false) throw refuse(at('additionalProperties'), 'additionalProperties other than false');
      out.properties = Object.fromEntries(keys.map((k) => [k, translate(properties[k], at(`properties.${k}`), depth + 1)]));
      if (ctx.ordering && keys.length > 1) out.propertyOrdering = keys;
    } else if (s.properties !== undefined || s.additionalProperties !== undefined) {
      throw refuse(path, `properties for type ${type}`);
    }
    return withCommon(out, s, nullable);
  };

  const out = translate(schema, '', 0);
  if (ctx.root && out.type !== ctx.root) throw refuse('', `a root schema that is not an ${ctx.root}`);
  return out;
}

function withCommon(out: Schema, s: Schema, nullable: boolean): Schema {
  if (typeof s.description === 'string') out.description = s.description;
  if (typeof s.title === 'string') out.title = s.title;
  if (s.default !== undefined) out.default = s.default;
  if (nullable) out.nullable = true;
  return out;
}
