// JSON schema -> Gemini's Schema subset: what translates, and that everything else is
// refused (UNSUPPORTED_FEATURE naming the keyword and where), never sent weaker.
import { describe, expect, it } from 'vitest';
import { geminiSchema, isEmptyObjectSchema, type SchemaContext } from '../../src/providers/gemini/schema.js';

const ctx: SchemaContext = { provider: 'gemini', feature: 'json_schema', field: 'response_format.schema', ordering: false };
const translate = (schema: Record<string, unknown>, c: Partial<SchemaContext> = {}) => geminiSchema(schema, { ...ctx, ...c });
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

function refusal(schema: Record<string, unknown>, c: Partial<SchemaContext> = {}): { message: string; details: Record<string, unknown> } {
  try {
    translate(schema, c);
  } catch (err) {
    const e = err as { code: string; status: number; message: string; details: Record<string, unknown> };
    expect([e.code, e.status]).toEqual(['UNSUPPORTED_FEATURE', 400]);
    return e;
  }
  throw new Error('expected a refusal');
}

describe('gemini schema translation', () => {
  it.each([
    ['anyOf with null is nullable', obj({ a: { anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'n' } }), obj({ a: { type: 'integer', description: 'n', nullable: true } })],
    ['anyOf of several stays anyOf', obj({ a: { anyOf: [{ type: 'integer' }, { type: 'string' }] } }), obj({ a: { anyOf: [{ type: 'integer' }, { type: 'string' }] } })],
    ['allOf of one schema is merged, its siblings win', obj({ a: { allOf: [{ type: 'string', description: 'inner' }], description: 'outer' } }), obj({ a: { type: 'string', description: 'outer' } })],
    ['enum with null is a nullable string enum', obj({ a: { enum: ['x', null] } }), obj({ a: { type: 'string', format: 'enum', enum: ['x'], nullable: true } })],
    ['const of a string is a one-value enum', obj({ a: { const: 'only' } }), obj({ a: { type: 'string', format: 'enum', enum: ['only'] } })],
    ['#/definitions refs are inlined', { ...obj({ a: { $ref: '#/definitions/A' } }), definitions: { A: { type: 'boolean' } } }, obj({ a: { type: 'boolean' } })],
    ['title and default are kept, annotations left out', obj({ a: { type: 'number', title: 'A', default: 1, examples: [2], deprecated: false, minimum: 0, maximum: 9 } }), obj({ a: { type: 'number', minimum: 0, maximum: 9, title: 'A', default: 1 } })],
    ['arrays and object bounds', obj({ a: { type: 'array', items: { type: 'string', pattern: '^x' }, minItems: 1, maxItems: 3 } }, { minProperties: 1 }), obj({ a: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string', pattern: '^x' } } }, { minProperties: 1 })],
    ['the type is inferred from properties, items or enum', { properties: { a: { items: { enum: ['x'] } } } }, obj({ a: { type: 'array', items: { type: 'string', format: 'enum', enum: ['x'] } } })],
  ])('%s', (_name, input, expected) => {
    expect(translate(input)).toEqual(expected);
  });

  it('keeps the property order when asked (responseSchema), at every level', () => {
    const out = translate(obj({ b: obj({ y: { type: 'string' }, x: { type: 'string' } }), a: { type: 'string' } }), { ordering: true });
    expect(out.propertyOrdering).toEqual(['b', 'a']);
    expect((out.properties as Record<string, Record<string, unknown>>).b!.propertyOrdering).toEqual(['y', 'x']);
  });

  it.each([
    ['oneOf', obj({ a: { oneOf: [{ type: 'string' }] } }), '"oneOf"', 'properties.a'],
    ['not', obj({ a: { type: 'string', not: { const: 'x' } } }), '"not"', 'properties.a'],
    ['allOf of two', obj({ a: { allOf: [{ type: 'string' }, { minLength: 1 }] } }), 'allOf of more than one', 'properties.a'],
    ['a union of types', obj({ a: { type: ['string', 'integer'] } }), 'a union of types', 'properties.a'],
    ['a number const', obj({ a: { const: 3 } }), 'const values that are not strings', 'properties.a'],
    ['an integer enum', obj({ a: { type: 'integer', enum: [1, 2] } }), 'enum values that are not strings', 'properties.a'],
    ['format email', obj({ a: { type: 'string', format: 'email' } }), 'format "email"', 'properties.a'],
    ['format int32', obj({ a: { type: 'integer', format: 'int32' } }), 'format "int32"', 'properties.a'],
    ['exclusiveMinimum', obj({ a: { type: 'number', exclusiveMinimum: 0 } }), '"exclusiveMinimum"', 'properties.a'],
    ['multipleOf', obj({ a: { type: 'number', multipleOf: 2 } }), '"multipleOf"', 'properties.a'],
    ['minLength on a number', obj({ a: { type: 'number', minLength: 2 } }), '"minLength" for type number', 'properties.a'],
    ['tuples', obj({ a: { type: 'array', items: [{ type: 'string' }] } }), 'items as a list', 'properties.a.items'],
    ['prefixItems', obj({ a: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'string' } } }), '"prefixItems"', 'properties.a'],
    ['uniqueItems', obj({ a: { type: 'array', items: { type: 'string' }, uniqueItems: true } }), '"uniqueItems"', 'properties.a'],
    ['patternProperties', obj({ a: { type: 'string' } }, { patternProperties: { '^x': { type: 'string' } } }), '"patternProperties"', ''],
    ['additionalProperties true', obj({ a: { type: 'string' } }, { additionalProperties: true }), 'additionalProperties other than false', 'additionalProperties'],
    ['additionalProperties as a schema', obj({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } }), 'additionalProperties other than false', 'additionalProperties'],
    ['a free-form object', obj({ a: { type: 'object' } }), 'a free-form object', 'properties.a'],
    ['a schema that accepts anything', obj({ a: true }), 'accepts any value', 'properties.a'],
    ['a schema without a type', obj({ a: { description: 'x' } }), 'without a type', 'properties.a'],
    ['null alone', obj({ a: { type: 'null' } }), 'type "null"', 'properties.a'],
    ['an external $ref', obj({ a: { $ref: 'https://example.com/s.json' } }), '$ref', 'properties.a'],
    ['a type named after an Object property', obj({ a: { type: 'constructor' } }), 'type "constructor"', 'properties.a'],
    ['a $ref to an inherited name', obj({ a: { $ref: '#/$defs/constructor' } }, { $defs: {} }), '$ref', 'properties.a'],
    ['a recursive $ref', { ...obj({ a: { $ref: '#/$defs/Node' } }), $defs: { Node: obj({ next: { $ref: '#/$defs/Node' } }) } }, 'recursive $ref', 'properties.a.properties.next'],
  ])('refuses %s', (_name, schema, words, path) => {
    const r = refusal(schema);
    expect(r.message).toContain(words);
    expect(r.message).toMatch(/^gemini does not support .* in response_format\.schema/);
    expect(r.details).toEqual({ provider: 'gemini', feature: 'json_schema', field: 'response_format.schema', ...(path ? { path } : {}) });
  });

  it('bounds what $ref inlining may build, and the nesting', () => {
    // Each level refers to the next ten times: 10^5 nodes once inlined, from a tiny schema.
    const $defs: Record<string, unknown> = { L5: { type: 'string' } };
    for (let i = 4; i >= 0; i--) $defs[`L${i}`] = obj(Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`p${k}`, { $ref: `#/$defs/L${i + 1}` }])));
    expect(refusal({ $ref: '#/$defs/L0', $defs }).message).toContain('more than 10000 nodes');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = obj({ x: deep });
    expect(refusal(deep).message).toContain('deeper than 32 levels');
  });

  it('tool parameters must be an object; a function without arguments is recognised', () => {
    expect(refusal({ type: 'string' }, { root: 'object', feature: 'tools', field: 'tools.0.parameters' }).details).toEqual({ provider: 'gemini', feature: 'tools', field: 'tools.0.parameters' });
    expect(isEmptyObjectSchema({ type: 'object', properties: {} })).toBe(true);
    expect(isEmptyObjectSchema({ type: 'object' })).toBe(true);
    expect(isEmptyObjectSchema({ type: 'object', properties: { a: { type: 'string' } } })).toBe(false);
    expect(isEmptyObjectSchema({ type: 'object', properties: {}, required: ['a'] })).toBe(false);
  });
});
