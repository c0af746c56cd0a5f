// Runs one job (a text path, or every regular expression of one family) on one generated input
// per message, for the tests under a CPU deadline (test/unit/text-paths-bound.test.ts and
// test/unit/regex-adversarial.test.ts). The input is generated here (not sent) and each job is
// warmed up on a short text first, so the deadline covers the job's own work only.
import { parentPort } from 'node:worker_threads';
import { validateCompletionInput } from '../../src/gateway/completion-input.js';
import { completionCacheKey } from '../../src/cache/completion-key.js';
import { estimateBatch, groupPrompts, normalizePrompt } from '../../src/optimize/batch.js';
import { estimateSavings } from '../../src/optimize/estimate.js';
import { optimizePrompt } from '../../src/optimize/optimizer.js';
import { recommendOptimizations } from '../../src/optimize/recommendations.js';
import { createLocalSimilarity, similarityMatches } from '../../src/optimize/similarity.js';
import { countTokens, encodeTokens } from '../../src/optimize/tokenizer.js';
import { createLocalProvider } from '../../src/providers/local/index.js';
import { REGEX_FAMILIES } from './regex-families.js';
import { ADVERSARIAL_INPUTS, FAMILY_INPUTS } from './adversarial-text.js';

const local = createLocalProvider({});
const similarity = createLocalSimilarity();
const signal = new AbortController().signal;
/** The text cut into prompts of at most `size` characters, as a batch would carry it. */
const chunks = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
const half = (text: string): [string, string] => [text.slice(0, text.length / 2), text.slice(text.length / 2)];

/** Every text path; each takes the whole input (a batch path splits it into prompts). */
export const PATHS: Record<string, (text: string) => unknown> = {
  'optimize normal (prompt and system message)': (t) => optimizePrompt({ prompt: t, systemMessage: t }),
  'optimize aggressive': (t) => optimizePrompt({ prompt: t, aggressive: true }),
  recommendations: (t) => recommendOptimizations(t, t),
  estimate: (t) => estimateSavings(t, true),
  'count tokens o200k': (t) => countTokens(t),
  'count tokens cl100k': (t) => countTokens(t, 'gpt-4'),
  'encode tokens': (t) => encodeTokens(t),
  similarity: (t) => similarity.similarity(...half(t)),
  'similar pairs with guards (1 KB prompts)': (t) => similarityMatches(chunks(t, 1024), 0.85),
  'batch grouping (1 KB prompts)': (t) => groupPrompts(chunks(t, 1024), { detectSimilar: true }),
  'batch estimate and normalisation': (t) => [estimateBatch(chunks(t, 256)), normalizePrompt(t)],
  'local provider completion': (t) => local.chat({ model: 'local-sim', messages: [{ role: 'user', content: t }] }, { signal }),
  'local provider embedding': (t) => local.embed!([t], { signal }),
  'completion cache key': (t) => completionCacheKey('local', { model: 'local-sim', messages: [{ role: 'user', content: t }] }, 'u:fuzz'),
  'completion request validation': (t) => validateCompletionInput({ prompt: t, systemMessage: t.slice(0, 1000), stop: [t.slice(0, 200) || 'x'] }),
};

const JOBS: Record<string, (text: string) => unknown> = { ...PATHS, ...REGEX_FAMILIES };
const INPUTS: Record<string, (size: number) => string> = { ...ADVERSARIAL_INPUTS, ...FAMILY_INPUTS };

/** Runs a job; a 413 from a bounded search is a bounded outcome too. */
async function run(path: string, text: string): Promise<void> {
  try {
    await JOBS[path]!(text);
  } catch (e) {
    if ((e as { code?: string }).code !== 'PAYLOAD_TOO_LARGE') throw e;
  }
}

let generated: { key: string; text: string } | undefined;

parentPort?.on('message', async (message: { path: string; input: string; size: number } | { warmUp: true }) => {
  try {
    if ('warmUp' in message) {
      for (const path of Object.keys(JOBS)) await run(path, 'Hola, ¿podrías ayudarme? Please write a function in order to sort a list. Thanks!');
      parentPort!.postMessage({ ready: true });
      return;
    }
    const key = `${message.input}/${message.size}`;
    if (generated?.key !== key) generated = { key, text: INPUTS[message.input]!(message.size) };
    const text = generated.text;
    parentPort!.postMessage({ started: true });
    await run(message.path, text);
    parentPort!.postMessage({ done: true });
  } catch (e) {
    parentPort!.postMessage({ error: String((e as Error).stack ?? e) });
  }
});
