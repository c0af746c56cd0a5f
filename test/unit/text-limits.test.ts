// The size limits of the text endpoints (src/optimize/limits.ts), as the batch service and the
// optimize service apply them for REST and GraphQL alike.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { BatchService } from '../../src/gateway/batch.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { createLogger } from '../../src/logger.js';
import {
  MAX_BATCH_COMPLETE_PROMPTS, MAX_BATCH_PROMPT_CHARS, MAX_BATCH_PROMPTS, MAX_BATCH_TOTAL_CHARS, MAX_OPTIMIZE_CHARS, MAX_SIMILARITY_PAIRS,
} from '../../src/optimize/limits.js';
import { optimizePrompt } from '../../src/optimize/optimizer.js';
import { estimateRequest, optimizeRequest, recommendRequest } from '../../src/optimize/service.js';
import { findSimilarPairs } from '../../src/optimize/similarity.js';

/** The error a call throws (or rejects with). */
async function errorOf(run: () => unknown): Promise<GatewayError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error('expected an error');
}

const batch = new BatchService({} as Gateway, { embeddingsProvider: undefined }, createLogger('silent'));
/** n distinct short prompts. */
const distinct = (n: number) => Array.from({ length: n }, (_, i) => `Summarise report number ${i} for the board`);

describe('batch limits', () => {
  it('refuses an empty list or a blank prompt with 400', async () => {
    for (const run of [() => batch.similarity([]), () => batch.estimate(['ok', '  ']), () => batch.group([42 as unknown as string])]) {
      const e = await errorOf(run);
      expect([e.status, e.code, e.details?.field]).toEqual([400, 'VALIDATION_ERROR', 'prompts']);
    }
  });

  it('refuses too many prompts, a too long prompt and too many characters with 413, before any work', async () => {
    const tooMany = await errorOf(() => batch.similarity(distinct(6_000), 0));
    expect([tooMany.status, tooMany.code, tooMany.details]).toEqual([413, 'PAYLOAD_TOO_LARGE', { field: 'prompts', limit: MAX_BATCH_PROMPTS }]);
    const long = await errorOf(() => batch.group(['short', 'x'.repeat(MAX_BATCH_PROMPT_CHARS + 1)]));
    expect([long.status, long.details]).toEqual([413, { field: 'prompts', index: 1, limit: MAX_BATCH_PROMPT_CHARS }]);
    const count = Math.ceil((MAX_BATCH_TOTAL_CHARS + 1) / MAX_BATCH_PROMPT_CHARS);
    const total = await errorOf(() => batch.estimate(Array.from({ length: count }, () => 'y'.repeat(MAX_BATCH_PROMPT_CHARS))));
    expect([total.status, total.details]).toEqual([413, { field: 'prompts', limit: MAX_BATCH_TOTAL_CHARS }]);
    const complete = await errorOf(() => batch.complete({ prompts: distinct(MAX_BATCH_COMPLETE_PROMPTS + 1) }, { viewer: null, source: 'batch' }));
    expect([complete.status, complete.details]).toEqual([413, { field: 'prompts', limit: MAX_BATCH_COMPLETE_PROMPTS }]);
  });

  it('stops a similarity search whose answer would exceed the pair limit with 413', async () => {
    // 2,000 prompts that share most words: at threshold 0 nearly every one of the ~2 million pairs matches.
    const e = await errorOf(() => batch.similarity(distinct(MAX_BATCH_PROMPTS), 0));
    expect([e.status, e.code, e.details]).toEqual([413, 'PAYLOAD_TOO_LARGE', { field: 'similarity_threshold', limit: MAX_SIMILARITY_PAIRS }]);
    expect(e.message).toMatch(/raise similarity_threshold/);
    // Grouping runs the same search under the same limit.
    expect((await errorOf(() => batch.group(distinct(MAX_BATCH_PROMPTS), true, 0))).status).toBe(413);
    // At a threshold that separates the prompts the same batch is fine.
    expect(await batch.similarity(distinct(MAX_BATCH_PROMPTS), 0.99)).toEqual([]);
  });

  it('bounds the comparisons a search makes, not only the pairs it finds', async () => {
    // At 0.5 the prompts' shared words put every pair among the candidates.
    const e = await errorOf(() => findSimilarPairs(distinct(300), 0.5, undefined, { maxPairs: 1e9, maxComparisons: 1_000 }));
    expect([e.status, e.details]).toEqual([413, { field: 'similarity_threshold', limit: 1_000 }]);
    const { pairs, stats } = await findSimilarPairs(distinct(300), 0.5, undefined, { maxPairs: 1e9, maxComparisons: 1e9 });
    expect(pairs).toHaveLength((300 * 299) / 2);
    expect(stats.comparisons).toBe(pairs.length);
  });
});

describe('optimize limits', () => {
  const tooLong = `Please ${'explain this in order to help me. '.repeat(MAX_OPTIMIZE_CHARS / 30)}`;

  it('refuses a prompt or system message longer than the limit with 413', async () => {
    for (const [run, field] of [
      [() => optimizeRequest({ prompt: tooLong }), 'prompt'],
      [() => optimizeRequest({ prompt: 'hi', systemMessage: tooLong }), 'system_message'],
      [() => recommendRequest(tooLong), 'prompt'],
      [() => estimateRequest(tooLong, true), 'prompt'],
    ] as const) {
      const e = await errorOf(run);
      expect([e.status, e.code, e.details]).toEqual([413, 'PAYLOAD_TOO_LARGE', { field, limit: MAX_OPTIMIZE_CHARS }]);
    }
    expect(optimizeRequest({ prompt: 'Please explain DNS in order to help me.' }).optimizedPrompt).toBe('Explain DNS to help me.');
  });

  it('leaves a longer field as it is when a completion asks for optimization', () => {
    const r = optimizePrompt({ prompt: tooLong, systemMessage: 'Please be brief in order to save time.' });
    expect(r.optimizedPrompt).toBe(tooLong);
    expect(r.optimizedSystemMessage).toBe('Be brief to save time.');
  });
});
