// A simulated provider: no network, no model. The answer is a deterministic word
// sequence seeded by a hash of the request, so equal requests get equal answers,
// and its token counts come from gpt-tokenizer. Useful for development, demos and
// benchmarks of the gateway itself; the label says plainly that it is simulated.
// So that an agent can be tried without a key it also acts out tool calling (a call
// of the first or the named tool, arguments built from the tool's JSON schema; a text
// that quotes a tool result) and JSON output (a value that fits the schema asked for).

import { countTokens, decodeTokens, encodeTokens } from '../../optimize/tokenizer.js';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent, ToolCall } from '../types.js';
import { describeProvider, elapsedMs, modelOf, textOf, translated, unsupported } from '../shared.js';
import { abortedError } from '../upstream-error.js';
import { INFO } from './info.js';

const NAME = INFO.name;
const MARKER = '[local simulated response] ';
const DEFAULT_MAX_TOKENS = 64;
/** An answer's own length, in tokens, is 16 to this. */
const MAX_NATURAL_TOKENS = 64;
const EMBED_DIMENSIONS = 64;

const WORDS = (
  'the a model gateway request answer token stream latency provider cache route signal value ' +
  'system user message context window prompt result simple local quiet steady clear bright ' +
  'river mountain forest garden harbor meadow canyon island valley desert ocean lantern bridge ' +
  'compass journey morning evening winter summer autumn spring silver golden amber crimson ' +
  'gentle rapid careful curious patient honest simulated deterministic example placeholder'
).split(' ');

/** FNV-1a, 32-bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_SCHEMA_DEPTH = 8;
/**
 * What one simulated value may hold: a caller's schema decides its size (nested arrays with
 * minItems multiply, minLength is any number), so it is bounded like any other input.
 */
const MAX_VALUES = 2_000;
const MAX_VALUE_CHARS = 65_536;
const ARGUMENT_PIECE = 8;

interface Simulation {
  /** The answer, one entry per token, in order; joined they are the text. */
  pieces: string[];
  text: string;
  /** At most one call (the first tool, or the one named by tool_choice). */
  toolCalls?: ToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  inputTokens: number;
  outputTokens: number;
  model: string;
}

function simulate(request: ChatRequest, defaultModel: string): Simulation {
  const model = modelOf(request, defaultModel);
  const seedParts: unknown[] = [
    model,
    request.messages,
    request.maxTokens ?? null,
    request.temperature ?? null,
    request.topP ?? null,
    request.stop ?? null,
  ];
  // Only when present, so that plain requests keep the answers they always had.
  if (request.tools || request.toolChoice || request.responseFormat || request.seed !== undefined) {
    seedParts.push(request.tools ?? null, request.toolChoice ?? null, request.responseFormat ?? null, request.seed ?? null);
  }
  const seedSource = JSON.stringify(seedParts);
  const seed = hash(seedSource);
  const budget = Math.max(0, Math.floor(request.maxTokens ?? DEFAULT_MAX_TOKENS));
  const inputTokens = inputTokensOf(request);

  const call = toolCallFor(request, seed);
  if (call) return { pieces: [], text: '', toolCalls: [call], finishReason: 'tool_calls', inputTokens, outputTokens: countTokens(call.name + call.arguments), model };

  const random = prng(seed);
  // The "natural" length of this answer, in tokens.
  const natural = 16 + Math.floor(random() * (MAX_NATURAL_TOKENS - 15));
  const shaped = answerFor(request);
  let tokens: number[];
  let cut: boolean;
  if (shaped !== null) {
    // Cut only by an explicit max_tokens (the default length is the made-up text's).
    const limit = request.maxTokens === undefined ? INFO.maxTokens : budget;
    const all = encodeTokens(shaped);
    tokens = all.slice(0, limit);
    cut = all.length > limit;
  } else {
    // Plenty of words (each at least one token), sentence-cased, then cut to `take` tokens.
    const take = Math.min(natural, budget);
    let text = MARKER;
    let sentence = 0;
    for (let i = 0; i < natural + 8; i++) {
      let word = WORDS[Math.floor(random() * WORDS.length)]!;
      if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
      sentence++;
      const end = sentence >= 6 && random() < 0.3;
      text += (i === 0 ? '' : ' ') + word + (end ? '.' : '');
      if (end) sentence = 0;
    }
    tokens = encodeTokens(text).slice(0, take);
    cut = natural > budget;
  }
  const pieces = tokens.map((t) => decodeTokens([t]));
  return {
    pieces,
    text: pieces.join(''),
    finishReason: cut ? 'length' : 'stop',
    inputTokens,
    outputTokens: tokens.length,
    model,
  };
}

/** The messages' text, plus the tools and the calls in the conversation, as a model would read them. */
function inputTokensOf(request: ChatRequest): number {
  let n = request.messages.reduce((sum, m) => sum + countTokens(textOf(m.content)), 0);
  for (const m of request.messages) for (const c of m.toolCalls ?? []) n += countTokens(c.name + c.arguments);
  if (request.tools?.length) n += countTokens(JSON.stringify(request.tools));
  return n;
}

/**
 * The call to make: with tools offered (and tool_choice not "none"), unless the last
 * message is a tool's result, which gets a text answer instead.
 */
function toolCallFor(request: ChatRequest, seed: number): ToolCall | null {
  const tool = toolToCall(request);
  if (!tool) return null;
  const args = simulatedValue(tool.parameters ?? { type: 'object' }, tool.name, 'tools');
  return { id: `call_${seed.toString(16).padStart(8, '0')}${hash(tool.name).toString(16).padStart(8, '0')}`, name: tool.name, arguments: JSON.stringify(args ?? {}) };
}

function toolToCall(request: ChatRequest) {
  const tools = request.tools ?? [];
  if (tools.length === 0 || request.toolChoice === 'none') return null;
  if (request.messages.at(-1)?.role === 'tool') return null;
  const named = typeof request.toolChoice === 'object' ? request.toolChoice.name : undefined;
  return (named !== undefined ? tools.find((t) => t.name === named) : undefined) ?? tools[0]!;
}

/** Refuses, before any work, a request whose tool call or JSON answer would be too large to simulate. */
function checkRequest(request: ChatRequest): void {
  const tool = toolToCall(request);
  if (tool) simulatedValue(tool.parameters ?? { type: 'object' }, tool.name, 'tools');
  else if (request.responseFormat?.type === 'json_schema') simulatedValue(request.responseFormat.schema, request.responseFormat.name, 'json_schema');
}

/** The text when the request shapes it: a JSON value for a JSON format, a sentence quoting a tool result. */
function answerFor(request: ChatRequest): string | null {
  const last = request.messages.at(-1);
  const format = request.responseFormat;
  if (format?.type === 'json_schema') return JSON.stringify(simulatedValue(format.schema, format.name, 'json_schema'));
  if (last?.role === 'tool') {
    const name = request.messages.flatMap((m) => m.toolCalls ?? []).find((c) => c.id === last.toolCallId)?.name ?? 'the tool';
    const result = textOf(last.content);
    if (format?.type === 'json_object') return JSON.stringify({ tool: name, result });
    return `${MARKER}${name} returned: ${result}`;
  }
  if (format?.type === 'json_object') return JSON.stringify({ answer: `${MARKER.trim()} ${textOf(last?.content ?? '')}`.slice(0, 200) });
  return null;
}

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Budget {
  values: number;
  chars: number;
}

/** A value for the schema, or UNSUPPORTED_FEATURE when it would exceed MAX_VALUES or MAX_VALUE_CHARS. */
function simulatedValue(schema: unknown, name: string, feature: 'tools' | 'json_schema'): unknown {
  const budget: Budget = { values: 0, chars: 0 };
  const value = valueFor(schema, name, 0, budget);
  if (budget.values > MAX_VALUES || budget.chars > MAX_VALUE_CHARS) {
    throw unsupported(NAME, feature, `a schema whose simulated value exceeds ${MAX_VALUES} values or ${MAX_VALUE_CHARS} characters (minItems, minLength)`);
  }
  return value;
}

/**
 * A deterministic value that satisfies `schema` (the JSON-schema keywords tools and
 * response formats use): objects get their required properties, arrays their minimum
 * number of items (at least one), strings a word from the property's name.
 */
function valueFor(schema: unknown, name: string, depth: number, budget: Budget): unknown {
  // Once over budget nothing more is built: the caller refuses the schema.
  if (++budget.values > MAX_VALUES || budget.chars > MAX_VALUE_CHARS) return null;
  if (!isSchema(schema) || depth > MAX_SCHEMA_DEPTH) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[k];
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => isSchema(o) && o.type !== 'null') ?? options[0];
      return valueFor(pick, name, depth + 1, budget);
    }
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (schema.properties ? 'object' : schema.items ? 'array' : types[0]);
  switch (type) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
      return Object.fromEntries(required.map((key) => [key, valueFor(properties[key] ?? {}, key, depth + 1, budget)]));
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
      const n = Math.max(0, Math.min(Math.max(min, 1), max, 16));
      return Array.from({ length: n }, () => valueFor(schema.items ?? {}, name, depth + 1, budget));
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 1;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
      const v = Math.min(min, max);
      return type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const s = stringFor(schema, name, MAX_VALUE_CHARS - budget.chars);
      budget.chars += s.length;
      return s;
    }
  }
}

/** A string for the schema; one of more than `room` characters is cut there (the caller then refuses it). */
function stringFor(schema: Schema, name: string, room: number): string {
  switch (schema.format) {
    case 'date-time':
      return '2025-01-01T00:00:00Z';
    case 'date':
      return '2025-01-01';
    case 'email':
      return 'user@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
  }
  let s = `example ${name}`;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (s.length < min) s = s.padEnd(Math.min(min, room + 1), 'x');
  return s.slice(0, max);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedError(NAME, signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(NAME, signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A bag-of-words hashing embedding: similar texts get similar unit vectors. */
function embedText(text: string): number[] {
  const v = new Array<number>(EMBED_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = hash(word);
    v[h % EMBED_DIMENSIONS]! += h & 0x100 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export const createLocalProvider: ProviderFactory = (settings) => {
  const defaultModel = settings.defaultModel || INFO.defaultModel;
  const latencyMs = Math.max(0, settings.latencyMs ?? 0);
  const tokensPerSecond = Math.max(0, settings.tokensPerSecond ?? 0);

  const adapter: ProviderAdapter = {
    ...describeProvider(INFO, settings).description,
    // Its latency, then its pace over an answer of at most MAX_NATURAL_TOKENS.
    expectedDurationMs: (tokens) => Math.round(latencyMs + (tokensPerSecond > 0 ? (Math.min(tokens, MAX_NATURAL_TOKENS) * 1000) / tokensPerSecond : 0)),

    check: checkRequest,

    async chat(request, { signal }) {
      const started = performance.now();
      if (signal.aborted) throw abortedError(NAME, signal);
      const sim = translated(() => simulate(request, defaultModel));
      const generation = tokensPerSecond > 0 ? (sim.outputTokens * 1000) / tokensPerSecond : 0;
      if (latencyMs + generation > 0) await sleep(latencyMs + generation, signal);
      return {
        text: sim.text,
        ...(sim.toolCalls ? { toolCalls: sim.toolCalls } : {}),
        finishReason: sim.finishReason,
        inputTokens: sim.inputTokens,
        outputTokens: sim.outputTokens,
        model: sim.model,
        latencyMs: elapsedMs(started),
      };
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      if (signal.aborted) throw abortedError(NAME, signal);
      const sim = translated(() => simulate(request, defaultModel));
      if (latencyMs > 0) await sleep(latencyMs, signal);
      const interval = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
      const start = performance.now();
      for (let i = 0; i < sim.pieces.length; i++) {
        if (interval > 0 && i > 0) {
          const wait = start + i * interval - performance.now();
          if (wait > 0) await sleep(wait, signal);
        }
        if (signal.aborted) throw abortedError(NAME, signal);
        const text = sim.pieces[i]!;
        if (text.length > 0) yield { type: 'delta', text };
      }
      // As the providers stream calls: id and name first, then the arguments in pieces.
      for (const [index, call] of (sim.toolCalls ?? []).entries()) {
        yield { type: 'tool_call', index, id: call.id, name: call.name };
        for (let at = 0; at < call.arguments.length; at += ARGUMENT_PIECE) {
          if (signal.aborted) throw abortedError(NAME, signal);
          yield { type: 'tool_call', index, arguments: call.arguments.slice(at, at + ARGUMENT_PIECE) };
        }
      }
      yield {
        type: 'done',
        finishReason: sim.finishReason,
        inputTokens: sim.inputTokens,
        outputTokens: sim.outputTokens,
        model: sim.model,
      };
    },

    async health() {},

    async embed(texts, { signal }) {
      if (signal.aborted) throw abortedError(NAME, signal);
      return texts.map(embedText);
    },
  };
  return adapter;
};
