// The completion request every entry point hands the gateway (REST, GraphQL, streams,
// batch, multi-provider, the drop-in APIs), and its one validation. Entry points only
// translate names and wire shapes into this; every bound and rule lives here (what
// depends on the provider, such as its model names or output limit, is checked in
// Gateway.prepare against the adapter). Field names in errors are the snake_case wire
// names (OpenAI's chat format, which REST speaks), whichever entry point was used.
import { z } from 'zod';
import type { CachePolicy } from '../cache/response-cache.js';
import { GatewayError } from '../errors.js';
import { hasControlCharacters } from '../validators.js';
import type { ChatMessage, ContentPart, ImageSource, ResponseFormat, ToolChoice, ToolDefinition } from '../providers/types.js';

/** An image part as entry points give it: an https URL or a data URL; parsed into an ImageSource here. */
export interface ImagePartInput {
  type: 'image';
  url: string;
  detail?: 'auto' | 'low' | 'high';
}

export type ContentPartInput = { type: 'text'; text: string } | ImagePartInput;

export interface ChatMessageInput {
  role: ChatMessage['role'];
  content: string | ContentPartInput[];
  toolCalls?: ChatMessage['toolCalls'];
  toolCallId?: string;
}

export interface CompletionInput {
  provider?: string;
  model?: string;
  prompt?: string;
  systemMessage?: string;
  /** Earlier turns; `prompt`, when given, is appended as the last user message. */
  messages?: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
  /** Generation parameters the provider documents that have no field here (its allow-list). */
  extra?: Record<string, unknown>;
  /** Per-request switch for prompt optimization; default from config. */
  optimize?: boolean;
  aggressive?: boolean;
  cache?: CachePolicy;
  /** Providers to try, in order, when the first fails ("provider" or "provider/model"). Default from FALLBACK_PROVIDERS. */
  fallback?: string[];
  /** The caller's deadline for the whole request (every attempt and fallback). */
  timeoutMs?: number;
  /** Accepted only when it names the provider's configured base URL (the guide's Ollama example sends it). */
  baseUrl?: string;
}

/** The input as entry points build it, before validation (images as URLs, values unchecked). */
export type RawCompletionInput = Omit<CompletionInput, 'messages'> & { messages?: ChatMessageInput[] };

export const COMPLETION_LIMITS = {
  /** Characters of text in one request: prompt, system message and every text part together. */
  textChars: 1_048_576,
  messages: 1_000,
  partsPerMessage: 100,
  images: 20,
  /** Base64 characters of one inline image (about 15 MB of bytes). */
  imageDataChars: 20_000_000,
  urlChars: 4_096,
  tools: 128,
  toolCallsPerMessage: 128,
  toolDescriptionChars: 4_096,
  toolArgumentsChars: 262_144,
  stop: 8,
  stopChars: 256,
  userChars: 256,
  /** Nesting and size of free-form JSON (tool parameters, JSON schemas, extra). */
  jsonDepth: 32,
  jsonNodes: 10_000,
  extraDepth: 8,
  extraNodes: 1_000,
  fallback: 6,
  timeoutMs: { min: 100, max: 600_000 },
  cacheTtlSeconds: 30 * 86_400,
  maxTokens: 2_000_000,
} as const;

const L = COMPLETION_LIMITS;

/** Provider names: lower-case identifiers (they appear in cache keys, metrics labels and env names). */
export const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/**
 * Model names every provider must satisfy before its own pattern: letters and digits with
 * . _ - : / @ + between them; no spaces, control characters, %, ?, #, \ or empty or dot
 * segments, so a name can never change the path or query of a URL it is placed in.
 */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*(\/[A-Za-z0-9][A-Za-z0-9._:@+-]*)*$/;
/** A fallback: a provider, or a provider and one of its models (openai/gpt-4o-mini). */
const FALLBACK_ENTRY = new RegExp(`^${PROVIDER_NAME.source.slice(1, -1)}(/${MODEL_NAME.source.slice(1, -1)})?$`);
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Walks a JSON value without recursion (a 10,000-deep nesting must not overflow the
 * stack) and says what is wrong with it, or null: too deep, too many nodes, or not JSON.
 */
export function jsonProblem(value: unknown, maxDepth: number, maxNodes: number): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > maxNodes) return `has more than ${maxNodes} values`;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'holds a number that is not finite';
      continue;
    }
    if (typeof v !== 'object') return 'is not JSON';
    if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels`;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    if (nodes + children.length > maxNodes) return `has more than ${maxNodes} values`;
    for (const c of children) stack.push([c, depth + 1]);
  }
  return null;
}

const jsonObject = (depth: number, nodes: number) =>
  z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'must be a JSON object' }).superRefine((v, ctx) => {
    const problem = jsonProblem(v, depth, nodes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const plainText = (max: number) => z.string().max(max).refine((s) => !hasControlCharacters(s), 'must not contain control characters');

/** An https URL, or a data URL of a PNG, JPEG, GIF or WebP image in base64. */
export function parseImageUrl(url: string): ImageSource | string {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = comma < 0 ? '' : url.slice(5, comma).toLowerCase();
    const [mediaType, ...params] = header.split(';');
    if (!params.includes('base64')) return 'must be a base64 data URL (data:image/png;base64,...)';
    if (!IMAGE_TYPES.has(mediaType ?? '')) return `media type must be one of ${[...IMAGE_TYPES].join(', ')}`;
    const data = url.slice(comma + 1);
    if (data.length > L.imageDataChars) return `inline image is larger than ${L.imageDataChars} base64 characters`;
    if (data.length === 0 || data.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return 'is not valid base64';
    return { kind: 'base64', mediaType: mediaType!, data };
  }
  if (url.length > L.urlChars) return `must be at most ${L.urlChars} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an https URL or a data URL';
  }
  if (parsed.protocol !== 'https:') return 'must be an https URL or a data URL';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  return { kind: 'url', url: parsed.href };
}

const TextPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const ImagePart = z
  .strictObject({ type: z.literal('image'), url: z.string(), detail: z.enum(['auto', 'low', 'high']).optional() })
  .transform((p, ctx): ContentPart => {
    const source = parseImageUrl(p.url);
    if (typeof source === 'string') {
      ctx.addIssue({ code: 'custom', message: source, path: ['url'] });
      return z.NEVER;
    }
    return { type: 'image', source, ...(p.detail ? { detail: p.detail } : {}) };
  });
const Part = z.discriminatedUnion('type', [TextPart, ImagePart], { error: 'each part must be {type: "text", text} or {type: "image", url}' });

const ToolCall = z.strictObject({
  id: z.string().min(1).max(256),
  name: z.string().regex(TOOL_NAME, 'must be 1-64 letters, digits, _ or -'),
  arguments: z.string().max(L.toolArgumentsChars),
});

const Message = z
  .strictObject({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(Part).max(L.partsPerMessage)]),
    toolCalls: z.array(ToolCall).min(1).max(L.toolCallsPerMessage).optional(),
    toolCallId: z.string().min(1).max(256).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.toolCalls && m.role !== 'assistant') ctx.addIssue({ code: 'custom', message: 'only assistant messages carry tool calls', path: ['toolCalls'] });
    if (m.role === 'tool' && !m.toolCallId) ctx.addIssue({ code: 'custom', message: 'a tool message needs the tool_call_id it answers', path: ['toolCallId'] });
    if (m.role !== 'tool' && m.toolCallId) ctx.addIssue({ code: 'custom', message: 'only tool messages carry a tool_call_id', path: ['toolCallId'] });
    if (Array.isArray(m.content) && m.role !== 'user' && m.content.some((p) => p.type === 'image')) {
      ctx.addIssue({ code: 'custom', message: 'only user messages carry images', path: ['content'] });
    }
  });

const Tool = z.strictObject({
  name: z.string().regex(TOOL_NAME, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().max(L.toolDescriptionChars).optional(),
  parameters: jsonObject(L.jsonDepth, L.jsonNodes).optional(),
  strict: z.boolean().optional(),
});

const ToolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), z.strictObject({ name: z.string().regex(TOOL_NAME, 'must be 1-64 letters, digits, _ or -') })]);

const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().regex(TOOL_NAME, 'must be 1-64 letters, digits, _ or -'),
    description: z.string().max(L.toolDescriptionChars).optional(),
    schema: jsonObject(L.jsonDepth, L.jsonNodes),
    strict: z.boolean().optional(),
  }),
], { error: 'type must be text, json_object or json_schema' });

/** Each field's schema, in the order fields are checked (and errors reported). */
const FIELDS = {
  provider: z.string().regex(PROVIDER_NAME, 'must be a provider name such as openai').optional(),
  model: z.string().max(200).regex(MODEL_NAME, 'must be a model name: letters, digits and . _ - : @ + /, no spaces or empty segments').optional(),
  prompt: z.string().optional(),
  systemMessage: z.string().optional(),
  messages: z.array(Message).max(L.messages).optional(),
  maxTokens: z.number().int().min(1).max(L.maxTokens).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  stop: z.array(z.string().min(1).max(L.stopChars)).max(L.stop).optional(),
  tools: z.array(Tool).max(L.tools).optional(),
  toolChoice: ToolChoiceSchema.optional(),
  parallelToolCalls: z.boolean().optional(),
  responseFormat: ResponseFormatSchema.optional(),
  seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  user: plainText(L.userChars).optional(),
  extra: jsonObject(L.extraDepth, L.extraNodes).optional(),
  optimize: z.boolean().optional(),
  aggressive: z.boolean().optional(),
  cache: z
    .strictObject({
      read: z.boolean().optional(),
      write: z.boolean().optional(),
      ttlSeconds: z.number().int().min(1).max(L.cacheTtlSeconds).optional(),
    })
    .optional(),
  fallback: z.array(z.string().max(264).regex(FALLBACK_ENTRY, 'must be a provider name such as openai, or provider/model')).max(L.fallback).optional(),
  timeoutMs: z.number().int().min(L.timeoutMs.min).max(L.timeoutMs.max).optional(),
  baseUrl: z.string().max(L.urlChars).optional(),
};

type Output = z.infer<z.ZodObject<typeof FIELDS>>;

/** What no single field can say: the request's size, tools named twice, a tool choice without its tool. */
function crossFieldRules(input: Output, addIssue: (issue: { code: 'custom'; message: string; path: (string | number)[] }) => void): void {
  let chars = (input.prompt?.length ?? 0) + (input.systemMessage?.length ?? 0);
  let images = 0;
  for (const m of input.messages ?? []) {
    if (typeof m.content === 'string') chars += m.content.length;
    else for (const p of m.content) p.type === 'text' ? (chars += p.text.length) : images++;
  }
  if (chars > L.textChars) addIssue({ code: 'custom', message: `the request holds more than ${L.textChars} characters of text`, path: ['messages'] });
  if (images > L.images) addIssue({ code: 'custom', message: `at most ${L.images} images per request`, path: ['messages'] });
  const names = new Set<string>();
  for (const [i, t] of (input.tools ?? []).entries()) {
    if (names.has(t.name)) addIssue({ code: 'custom', message: `tool ${t.name} is defined twice`, path: ['tools', i, 'name'] });
    names.add(t.name);
  }
  const choice = input.toolChoice;
  if (choice && choice !== 'none' && choice !== 'auto' && !input.tools?.length) {
    addIssue({ code: 'custom', message: 'needs tools', path: ['toolChoice'] });
  }
  if (typeof choice === 'object' && input.tools?.length && !names.has(choice.name)) {
    addIssue({ code: 'custom', message: `names no defined tool (${choice.name})`, path: ['toolChoice', 'name'] });
  }
}

const CompletionInputSchema = z.strictObject(FIELDS).superRefine((input, ctx) => crossFieldRules(input, (issue) => ctx.addIssue(issue)));
const FIELD_NAMES = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

/**
 * The schema's output for an input that passes it, checking only the fields it holds (a
 * request names a few of the 24; the object schema runs every field's schema, present or
 * not); null when anything is wrong, for the whole schema to say what.
 */
function validInput(raw: unknown): Output | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const fields = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let present = 0;
  for (const name of FIELD_NAMES) {
    if (!(name in fields)) continue;
    present++;
    const r = FIELDS[name].safeParse(fields[name]);
    if (!r.success) return null;
    out[name] = r.data;
  }
  if (present !== Object.keys(fields).length) return null; // a field the schema does not know
  let ok = true;
  crossFieldRules(out as Output, () => (ok = false));
  return ok ? (out as Output) : null;
}

/** snake_case of a camelCase field name, as the REST body and OpenAI's format spell it. */
export function wireName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function fieldOf(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'string' ? wireName(p) : String(p))).join('.') || 'body';
}

/** Checks and normalises a request (images parsed, empty lists dropped); VALIDATION_ERROR naming the first bad field. */
export function validateCompletionInput(raw: unknown): CompletionInput {
  let valid = validInput(raw);
  if (!valid) {
    const r = CompletionInputSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = fieldOf(issue.path);
      throw new GatewayError('VALIDATION_ERROR', `${field}: ${issue.message}`, { details: { field } });
    }
    valid = r.data;
  }
  const input = valid as CompletionInput;
  if (input.stop && input.stop.length === 0) delete input.stop;
  if (input.tools && input.tools.length === 0) delete input.tools;
  if (input.extra && Object.keys(input.extra).length === 0) delete input.extra;
  return input;
}

export const EMBEDDING_LIMITS = { inputs: 2_048, textChars: COMPLETION_LIMITS.textChars } as const;

/** The texts of an embeddings request: a string or a list of 1 to 2,048 non-empty strings; VALIDATION_ERROR otherwise. */
export function validateEmbeddingTexts(input: unknown): string[] {
  const fail = (message: string): never => {
    throw new GatewayError('VALIDATION_ERROR', `input: ${message}`, { details: { field: 'input' } });
  };
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0) return fail('must be a string or a non-empty list of strings');
  if (texts.length > EMBEDDING_LIMITS.inputs) return fail(`at most ${EMBEDDING_LIMITS.inputs} inputs per request`);
  let chars = 0;
  for (const t of texts) {
    if (typeof t !== 'string') return fail('token arrays are not supported: send text');
    if (t.length === 0) return fail('an input must not be empty');
    chars += t.length;
  }
  if (chars > EMBEDDING_LIMITS.textChars) return fail(`the request holds more than ${EMBEDDING_LIMITS.textChars} characters of text`);
  return texts as string[];
}

/** Whether `extra` only holds keys in the allow-list (entries such as "options.top_k" allow one key of an object). */
export function extraProblem(extra: Record<string, unknown>, allowed: readonly string[]): string | null {
  for (const [key, value] of Object.entries(extra)) {
    if (allowed.includes(key)) continue;
    const nested = allowed.filter((a) => a.startsWith(`${key}.`)).map((a) => a.slice(key.length + 1));
    if (nested.length && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = extraProblem(value as Record<string, unknown>, nested);
      if (inner) return `${key}.${inner}`;
      continue;
    }
    return key;
  }
  return null;
}
