// Batch de-duplication: group a batch's prompts (exact duplicates after
// normalisation, optionally near-duplicates), send only one prompt per group
// upstream (through the cache), and hand every original prompt its answer.
import type { Config } from '../config.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { DEFAULT_SIMILARITY_THRESHOLD, estimateBatch, groupPrompts, type BatchEstimate, type GroupResult } from '../optimize/batch.js';
import { MAX_BATCH_COMPLETE_PROMPTS, MAX_BATCH_PROMPTS, checkBatchPrompts } from '../optimize/limits.js';
import { similarityMatches, type EmbedFn, type SimilarityMatch } from '../optimize/similarity.js';
import type { Caller, CompletionResult, Gateway } from './gateway.js';
import type { RawCompletionInput } from './completion-input.js';
const UPSTREAM_CONCURRENCY = 4;
const EMBED_TIMEOUT_MS = 15_000;

export interface BatchCompleteInput extends Omit<RawCompletionInput, 'prompt' | 'messages'> {
  prompts: string[];
  detectSimilar?: boolean;
  threshold?: number;
}

/** answeredByIndex: the prompt whose upstream call (or cache entry) produced this answer. */
export type BatchItem =
  | { index: number; groupId: string; answeredByIndex: number; status: 'success'; result: CompletionResult }
  | { index: number; groupId: string; answeredByIndex: number; status: 'error'; error: { code: string; message: string } };

export interface BatchCompleteResult {
  results: BatchItem[];
  grouping: GroupResult;
  /** Upstream calls made: one per group the cache did not answer. */
  apiCallsMade: number;
  /** Original prompts minus upstream calls made (saved by grouping and by the cache). */
  apiCallsSaved: number;
  totalEstimatedCost: number | null;
}

export class BatchService {
  constructor(
    private readonly gateway: Gateway,
    private readonly config: Pick<Config, 'embeddingsProvider'>,
    private readonly logger: Logger,
  ) {}

  /** Which similarity is in use: an embeddings provider when configured, else the in-process one. */
  get similarityMethod(): string {
    return this.config.embeddingsProvider ? `embeddings:${this.config.embeddingsProvider}` : 'in-process';
  }

  private embedder(): EmbedFn | undefined {
    const name = this.config.embeddingsProvider;
    if (!name) return undefined;
    const adapter = this.gateway.router.adapter(name);
    if (!adapter.embed || !adapter.isConfigured()) return undefined;
    return (texts) => adapter.embed!(texts, { signal: AbortSignal.timeout(EMBED_TIMEOUT_MS) });
  }

  /** Runs with the embeddings provider; if it fails, says so in the log and uses the local similarity. */
  private async withSimilarity<T>(run: (embed?: EmbedFn) => Promise<T>): Promise<T> {
    const embed = this.embedder();
    if (!embed) return run(undefined);
    try {
      return await run(embed);
    } catch (e) {
      // A batch too large for the search is too large with either similarity.
      if (e instanceof GatewayError && e.code === 'PAYLOAD_TOO_LARGE') throw e;
      this.logger.warn('embeddings failed; using the local similarity', { provider: this.config.embeddingsProvider, error: (e as Error).message });
      return run(undefined);
    }
  }

  async group(prompts: string[], detectSimilar = false, threshold = DEFAULT_SIMILARITY_THRESHOLD): Promise<GroupResult> {
    checkBatchPrompts(prompts, MAX_BATCH_PROMPTS);
    checkThreshold(threshold);
    return this.grouped(prompts, detectSimilar, threshold);
  }

  async similarity(prompts: string[], threshold = DEFAULT_SIMILARITY_THRESHOLD): Promise<SimilarityMatch[]> {
    checkBatchPrompts(prompts, MAX_BATCH_PROMPTS);
    checkThreshold(threshold);
    return this.withSimilarity((embed) => similarityMatches(prompts, threshold, embed));
  }

  /** What grouping exact duplicates would save (no similarity search). */
  estimate(prompts: string[]): BatchEstimate {
    checkBatchPrompts(prompts, MAX_BATCH_PROMPTS);
    return estimateBatch(prompts);
  }

  private grouped(prompts: string[], detectSimilar: boolean, threshold: number): Promise<GroupResult> {
    return this.withSimilarity((embed) => groupPrompts(prompts, { detectSimilar, threshold, embed }));
  }

  async complete(input: BatchCompleteInput, caller: Caller): Promise<BatchCompleteResult> {
    const { prompts, detectSimilar, threshold = DEFAULT_SIMILARITY_THRESHOLD, ...common } = input;
    checkBatchPrompts(prompts, MAX_BATCH_COMPLETE_PROMPTS);
    checkThreshold(threshold);
    const own = common as RawCompletionInput;
    if (own.prompt !== undefined || own.messages !== undefined) {
      throw new GatewayError('VALIDATION_ERROR', 'prompts: a batch takes its prompts from prompts, not prompt or messages', { details: { field: 'prompts' } });
    }
    // The settings every group shares are checked once, before any call: a bad one is the batch's 400.
    this.gateway.prepare({ ...common, prompt: prompts[0] }, caller);
    const grouping = await this.grouped(prompts, detectSimilar ?? false, threshold);
    const groups = Object.entries(grouping.representativePrompts);
    const answers = new Map<string, { status: 'success'; result: CompletionResult } | { status: 'error'; error: { code: string; message: string } }>();
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const [id, prompt] = groups[next++]!;
        try {
          answers.set(id, { status: 'success', result: await this.gateway.complete({ ...common, prompt }, { ...caller, source: 'batch' }) });
        } catch (e) {
          const err = toGatewayError(e);
          answers.set(id, { status: 'error', error: { code: err.code, message: err.message } });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPSTREAM_CONCURRENCY, groups.length) }, worker));

    const results: BatchItem[] = prompts.map((_, index) => {
      const groupId = grouping.optimizationMap[String(index)]!;
      const answeredByIndex = grouping.groupedPrompts[groupId]![0]!;
      const answer = answers.get(groupId)!;
      // The call is billed on the line of the prompt that made it, not again on each duplicate's.
      if (answer.status === 'success' && answeredByIndex !== index) {
        return { index, groupId, answeredByIndex, status: 'success', result: { ...answer.result, tokensUsed: 0, estimatedCost: 0 } };
      }
      return { index, groupId, answeredByIndex, ...answer } as BatchItem;
    });
    const successes = [...answers.values()].filter((a) => a.status === 'success').map((a) => (a as { result: CompletionResult }).result);
    // Every group is one call, unless the cache answered it (failed calls still count as made).
    const apiCallsMade = groups.length - successes.filter((r) => r.cached).length;
    return {
      results,
      grouping,
      apiCallsMade,
      apiCallsSaved: prompts.length - apiCallsMade,
      totalEstimatedCost: successes.some((r) => r.estimatedCost === null)
        ? null
        : Math.round(successes.reduce((s, r) => s + (r.estimatedCost ?? 0), 0) * 1e10) / 1e10,
    };
  }
}

function checkThreshold(threshold: number) {
  if (!(threshold >= 0 && threshold <= 1)) throw new GatewayError('VALIDATION_ERROR', 'similarity_threshold must be between 0 and 1', { details: { field: 'similarity_threshold' } });
}
