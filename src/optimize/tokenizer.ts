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

// createRequire gives a lazy *synchronous* load of the CommonJS build (the ESM build could only be
// loaded lazily via an async import()). Each encoding is loaded once, on first use, and cached.
const requireFromHere = createRequire(import.meta.url);
const cache = new Map<EncodingName, Encoding>();

// Special-token strings such as "<|endoftext|>" in user text are counted as ordinary text.
const COUNT_OPTIONS = { disallowedSpecial: new Set<string>() };

/** The encoding used for `model` (o200k_base by default). */
export function tokenizerFor(model?: string): EncodingName {
  const name = (model ?? '').trim().toLowerCase().replace(/^openai\//, '');
  if (CL100K_EXACT.has(name)) return 'cl100k_base';
  // gpt-4o / gpt-4.1 start with "gpt-4" but not "gpt-4-", so they stay on o200k_base.
  return CL100K_PREFIXES.some((prefix) => name.startsWith(prefix)) ? 'cl100k_base' : 'o200k_base';
}

function loadEncoding(name: EncodingName): Encoding {
  let encoding = cache.get(name);
  if (!encoding) {
    encoding = requireFromHere(`gpt-tokenizer/encoding/${name}`) as Encoding;
    cache.set(name, encoding);
  }
  return encoding;
}

/** Exact BPE token count of `text` for the tokenizer family of `model`. */
export function countTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  return loadEncoding(tokenizerFor(model)).countTokens(text, COUNT_OPTIONS);
}

/** The BPE tokens of `text` (one shared copy of each encoding in the process). */
export function encodeTokens(text: string, model?: string): number[] {
  return loadEncoding(tokenizerFor(model)).encode(text, COUNT_OPTIONS);
}

export function decodeTokens(tokens: number[], model?: string): string {
  return loadEncoding(tokenizerFor(model)).decode(tokens);
}
