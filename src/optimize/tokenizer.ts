import { createRequire } from 'node:module';

/** BPE encodings this module knows how to load. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

interface Encoding {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  decode(tokens: number[]): string;
}

/** Model-name prefixes that use cl100k_base; everything else (incl. non-OpenAI models) uses o200k_base. */
const CL100K_PREFIXES = ['gpt-4-', 'gpt-3.5', 'text-embedding-', 'gpt-35'];
const CL100K_EXACT = new Set(['gpt-4']);
/**
 * Model families whose own tokenizer is one of these encodings: OpenAI's models (and the local
 * simulator, which counts with o200k_base). Anthropic, Google, Cohere, Meta, Mistral... models
 * have tokenizers of their own that no package here ships: their counts are o200k_base's, an
 * approximation, and tokenizerIsExact says so.
 */
const OPENAI_FAMILY = /^(?:gpt-|o\d|chatgpt-|text-embedding-|davinci|babbage|local-sim)/;
// createRequire gives a lazy *synchronous* load of the CommonJS build (the ESM build could only be
// loaded lazily via an async import()). Each encoding is loaded once, on first use, and cached.
const requireFromHere = createRequire(import.meta.url);
const cache = new Map<EncodingName, Encoding>();

// Special-token strings such as "<|endoftext|>" in user text are counted as ordinary text.
const COUNT_OPTIONS = { disallowedSpecial: new Set<string>() };

/** The encoding used for `model` (o200k_base by default). */
export function tokenizerFor(model?: string): EncodingName {
  const name = modelName(model);
  if (CL100K_EXACT.has(name)) return 'cl100k_base';
  // gpt-4o / gpt-4.1 start with "gpt-4" but not "gpt-4-", so they stay on o200k_base.
  return CL100K_PREFIXES.some((prefix) => name.startsWith(prefix)) ? 'cl100k_base' : 'o200k_base';
}

const modelName = (model?: string): string => (model ?? '').trim().toLowerCase().replace(/^openai\//, '');

/** True when `model`'s own tokenizer is the encoding tokenizerFor picks (no model: the default, exact). */
export function tokenizerIsExact(model?: string): boolean {
  const name = modelName(model);
  return name === '' || OPENAI_FAMILY.test(name);
}

function loadEncoding(name: EncodingName): Encoding {
  let encoding = cache.get(name);
  if (!encoding) {
    encoding = requireFromHere(`gpt-tokenizer/encoding/${name}`) as Encoding;
    cache.set(name, encoding);
  }
  return encoding;
}

/**
 * The BPE merge of one pre-token costs time quadratic in its length, and a pre-token is a run of
 * one character class (letters, blanks, punctuation): 300 KB of one letter is one pre-token. Runs
 * longer than MAX_RUN are therefore handed over in pieces of MAX_RUN. No token is longer than 128
 * characters and natural text has no such runs, so this changes nothing for it; for a long run
 * (a hash, a line of '=', unspaced CJK) the count may differ from the unbounded one by about one
 * token per piece.
 */
const MAX_RUN = 64;
const HAS_LONG_RUN = new RegExp(`[\\p{L}\\p{M}]{${MAX_RUN}}|\\s{${MAX_RUN}}|[^\\s\\p{L}\\p{M}\\p{N}]{${MAX_RUN}}`, 'u');
// Maximal runs of one class, matched once each (no backtracking: the alternatives are disjoint).
const RUN = /[\p{L}\p{M}]+|\s+|\p{N}+|[^\s\p{L}\p{M}\p{N}]+/gu;

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** `text` cut so that no run of one character class is longer than MAX_RUN (usually: `[text]`). */
export function boundedPieces(text: string): string[] {
  if (text.length < MAX_RUN || !HAS_LONG_RUN.test(text)) return [text];
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(RUN)) {
    const end = match.index + match[0].length;
    for (let cut = match.index + MAX_RUN; cut < end; cut += MAX_RUN) {
      if (isLowSurrogate(text.charCodeAt(cut))) cut++; // never split an astral character
      pieces.push(text.slice(start, cut));
      start = cut;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** BPE token count of `text` for the tokenizer family of `model` (see boundedPieces for long runs). */
export function countTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  const encoding = loadEncoding(tokenizerFor(model));
  let count = 0;
  for (const piece of boundedPieces(text)) count += encoding.countTokens(piece, COUNT_OPTIONS);
  return count;
}

/** The BPE tokens of `text` (one shared copy of each encoding in the process). */
export function encodeTokens(text: string, model?: string): number[] {
  const encoding = loadEncoding(tokenizerFor(model));
  const pieces = boundedPieces(text);
  return pieces.length === 1 ? encoding.encode(text, COUNT_OPTIONS) : pieces.flatMap((piece) => encoding.encode(piece, COUNT_OPTIONS));
}

export function decodeTokens(tokens: number[], model?: string): string {
  return loadEncoding(tokenizerFor(model)).decode(tokens);
}
