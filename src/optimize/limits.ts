// Size limits of the text endpoints (optimize, recommendations, estimate and the batch
// endpoints), in one place for REST and GraphQL alike. Text work is linear in its input; these
// bounds keep its cost per request small, and the answers of the batch endpoints bounded.
import { GatewayError } from '../errors.js';

/**
 * Longest prompt or system message the optimizer rewrites (and the optimize endpoints accept).
 * Its rules take time in proportion to the text, so a field longer than this would hold the
 * event loop for too long; completions leave such a field as it is.
 */
export const MAX_OPTIMIZE_CHARS = 32_768;

/** Prompts per request of batch/optimize, batch/similarity and batch/estimate. */
export const MAX_BATCH_PROMPTS = 2_000;
/** Prompts per request of batch/complete (each distinct prompt is one upstream call). */
export const MAX_BATCH_COMPLETE_PROMPTS = 1_000;
/** Characters of one prompt in a batch. */
export const MAX_BATCH_PROMPT_CHARS = 16_384;
/** Characters of all the prompts of one batch together. */
export const MAX_BATCH_TOTAL_CHARS = 1_000_000;
/** Pairs one batch/similarity answer may list; more means the threshold is too low for the batch. */
export const MAX_SIMILARITY_PAIRS = 10_000;
/**
 * Exact similarity computations one pair search may make. The search is sub-quadratic for
 * thresholds that separate prompts, but a very low threshold makes it compare almost every pair.
 */
export const MAX_PAIR_COMPARISONS = 4_000_000;

const tooLarge = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new GatewayError('PAYLOAD_TOO_LARGE', message, { details: { field, ...details } });

/** 413 when a field given to the optimize endpoints is longer than MAX_OPTIMIZE_CHARS. */
export function checkOptimizeText(field: string, text: string | null | undefined): void {
  if (typeof text === 'string' && text.length > MAX_OPTIMIZE_CHARS) {
    throw tooLarge(field, `${field} is ${text.length} characters long; the optimizer accepts at most ${MAX_OPTIMIZE_CHARS}`, { limit: MAX_OPTIMIZE_CHARS });
  }
}

/**
 * The rule of every batch endpoint: a non-empty list of non-empty strings (400), at most
 * `maxPrompts` of them, each and all together within the character limits (413).
 */
export function checkBatchPrompts(prompts: unknown, maxPrompts: number): asserts prompts is string[] {
  if (!Array.isArray(prompts) || prompts.length === 0) {
    throw new GatewayError('VALIDATION_ERROR', 'prompts must be a non-empty list', { details: { field: 'prompts' } });
  }
  if (prompts.length > maxPrompts) {
    throw tooLarge('prompts', `prompts holds ${prompts.length} prompts; a batch may hold at most ${maxPrompts}`, { limit: maxPrompts });
  }
  let total = 0;
  for (const [index, prompt] of prompts.entries()) {
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      throw new GatewayError('VALIDATION_ERROR', 'every prompt must be a non-empty string', { details: { field: 'prompts', index } });
    }
    if (prompt.length > MAX_BATCH_PROMPT_CHARS) {
      throw tooLarge('prompts', `prompt ${index} is ${prompt.length} characters long; a batch prompt may be at most ${MAX_BATCH_PROMPT_CHARS}`, { index, limit: MAX_BATCH_PROMPT_CHARS });
    }
    total += prompt.length;
  }
  if (total > MAX_BATCH_TOTAL_CHARS) {
    throw tooLarge('prompts', `the prompts hold ${total} characters together; a batch may hold at most ${MAX_BATCH_TOTAL_CHARS}`, { limit: MAX_BATCH_TOTAL_CHARS });
  }
}

/** 413 for a pair search that found more pairs, or needed more comparisons, than `limit`. */
export function pairLimitError(kind: 'pairs' | 'comparisons', threshold: number, limit: number): GatewayError {
  const message = kind === 'pairs'
    ? `more than ${limit} pairs of prompts reach similarity ${threshold}; raise similarity_threshold or send fewer prompts`
    : `finding the similar pairs at similarity ${threshold} needs more than ${limit} comparisons; raise similarity_threshold or send fewer prompts`;
  return tooLarge('similarity_threshold', message, { limit });
}
