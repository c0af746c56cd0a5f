// What the mock answers to tools, tool results and JSON formats, the same way for every
// provider and deterministically: a request with tools whose last turn is the user's gets
// tool calls (the first tool, or the ones allowed, in turn) with arguments derived from the
// prompt; a JSON format gets a JSON value that fits its schema; a tool result gets a text
// that quotes it. Each provider's file wraps these in its own wire format.
import { encode } from 'gpt-tokenizer';
import { obj } from './core.js';

const MAX_DEPTH = 16;
const DATE = '2024-01-01T00:00:00Z';

export interface MockToolCall {
  name: string;
  args: Record<string, unknown>;
}

function wordCount(seed: string): number {
  return seed.split(/\s+/).filter(Boolean).length;
}

function clamp(n: number, s: Record<string, unknown>): number {
  const min = typeof s.minimum === 'number' ? s.minimum : -Infinity;
  const max = typeof s.maximum === 'number' ? s.maximum : Infinity;
  return Math.min(max, Math.max(min, n));
}

/**
 * A JSON value that fits `schema`: JSON schema, or Gemini's subset (upper-case types), from
 * the prompt text `seed`: strings are the seed (cut to 40 characters or maxLength), numbers
 * its word count, enums their first value, every declared property present.
 */
export function valueFor(schema: unknown, seed: string, depth = 0): unknown {
  const s = obj(schema);
  if (depth > MAX_DEPTH) return null;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.find((v) => v !== null) ?? null;
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
    return valueFor(s.anyOf.find((m) => String(obj(m).type).toLowerCase() !== 'null') ?? s.anyOf[0], seed, depth + 1);
  }
  const declared = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  const type = typeof declared === 'string' ? declared.toLowerCase() : s.properties ? 'object' : s.items ? 'array' : 'string';
  switch (type) {
    case 'string': {
      if (s.format === 'date-time') return DATE;
      const max = typeof s.maxLength === 'number' ? s.maxLength : 40;
      return Array.from(seed).slice(0, Math.min(40, max)).join('');
    }
    case 'integer':
      return Math.round(clamp(wordCount(seed), s));
    case 'number':
      return clamp(wordCount(seed) + 0.5, s);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return [valueFor(s.items, seed, depth + 1)];
    default: {
      const properties = obj(s.properties);
      return Object.fromEntries(Object.keys(properties).map((k) => [k, valueFor(properties[k], seed, depth + 1)]));
    }
  }
}

/** `n` calls through `tools` in turn (name and parameters schema), arguments from the prompt. */
export function toolCallsFor(tools: { name: string; parameters: unknown }[], n: number, seed: string): MockToolCall[] {
  const calls: MockToolCall[] = [];
  for (let i = 0; i < Math.max(1, n); i++) {
    const tool = tools[i % tools.length]!;
    const args = tool.parameters === undefined ? {} : valueFor(tool.parameters, seed);
    calls.push({ name: tool.name, args: obj(args) });
  }
  return calls;
}

/** The text of a JSON-mode answer: a value of the schema, or {"answer": ...} for plain JSON mode. */
export function jsonText(schema: unknown, seed: string): string {
  return JSON.stringify(schema === undefined ? { answer: Array.from(seed).slice(0, 40).join('') } : valueFor(schema, seed));
}

/** A text in stream pieces of `size` characters. */
export function piecesOf(text: string, size = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

export function tokens(text: string): number {
  return text ? encode(text).length : 0;
}

/** What the model "thinks" when asked to (reasoning text, kept out of the answer by the adapters). */
export function thoughtText(seed: string): string {
  return `Thinking about "${Array.from(seed).slice(0, 40).join('')}" first.`;
}

/** Whether a string is canonical base64 (what the providers take for inline images). */
export function isBase64(data: unknown): data is string {
  return typeof data === 'string' && data.length > 0 && data.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(data);
}
