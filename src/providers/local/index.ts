// A simulated provider: no network, no model. The answer is a deterministic word
// sequence seeded by a hash of the request, so equal requests get equal answers,
// and its token counts come from gpt-tokenizer. Useful for development, demos and
// benchmarks of the gateway itself; the label says plainly that it is simulated.

import { countTokens, decodeTokens, encodeTokens } from '../../optimize/tokenizer.js';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { describeProvider, elapsedMs, modelOf, textOf } from '../shared.js';
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

interface Simulation {
  /** The answer, one entry per token, in order; joined they are the text. */
  pieces: string[];
  text: string;
  finishReason: 'stop' | 'length';
  inputTokens: number;
  outputTokens: number;
  model: string;
}

function simulate(request: ChatRequest, defaultModel: string): Simulation {
  const model = modelOf(request, defaultModel);
  const seedSource = JSON.stringify([
    model,
    request.messages,
    request.maxTokens ?? null,
    request.temperature ?? null,
    request.topP ?? null,
    request.stop ?? null,
  ]);
  const random = prng(hash(seedSource));
  const budget = Math.max(0, Math.floor(request.maxTokens ?? DEFAULT_MAX_TOKENS));
  // The "natural" length of this answer, in tokens.
  const natural = 16 + Math.floor(random() * (MAX_NATURAL_TOKENS - 15));
  const take = Math.min(natural, budget);

  // Plenty of words (each at least one token), sentence-cased, then cut to `take` tokens.
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
  const tokens = encodeTokens(text).slice(0, take);
  const pieces = tokens.map((t) => decodeTokens([t]));
  const answer = pieces.join('');

  const inputTokens = request.messages.reduce((sum, m) => sum + countTokens(textOf(m.content)), 0);
  return {
    pieces,
    text: answer,
    finishReason: natural > budget ? 'length' : 'stop',
    inputTokens,
    outputTokens: tokens.length,
    model,
  };
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

    async chat(request, { signal }) {
      const started = performance.now();
      if (signal.aborted) throw abortedError(NAME, signal);
      const sim = simulate(request, defaultModel);
      const generation = tokensPerSecond > 0 ? (sim.outputTokens * 1000) / tokensPerSecond : 0;
      if (latencyMs + generation > 0) await sleep(latencyMs + generation, signal);
      return {
        text: sim.text,
        finishReason: sim.finishReason,
        inputTokens: sim.inputTokens,
        outputTokens: sim.outputTokens,
        model: sim.model,
        latencyMs: elapsedMs(started),
      };
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      if (signal.aborted) throw abortedError(NAME, signal);
      const sim = simulate(request, defaultModel);
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
