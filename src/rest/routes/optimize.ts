import { z } from 'zod';
import type { GroupResult } from '../../optimize/batch.js';
import { estimateRequest, optimizeRequest, recommendRequest } from '../../optimize/service.js';
import { completionFromBody, completionJson } from '../completion-body.js';
import type { Route } from '../router.js';
import { parseBody } from '../../validators.js';
import { rateLimitHeaders } from '../../governance/headers.js';

const Prompts = z.array(z.string()).min(1);
const OptimizeBody = z.object({ prompt: z.string().min(1), system_message: z.string().optional(), aggressive: z.boolean().optional(), model: z.string().optional() });
const BatchOptimizeBody = z.object({ prompts: Prompts, detect_similar: z.boolean().optional(), similarity_threshold: z.number().optional() });
const SimilarityBody = z.object({ prompts: Prompts, similarity_threshold: z.number().optional() });
const BatchCompleteFields = z.object({
  prompts: Prompts,
  detect_similar: z.boolean().optional(),
  similarity_threshold: z.number().optional(),
});

export function groupingJson(g: GroupResult) {
  return {
    blocked_pairs: g.blockedPairs.map((b) => ({ prompt1_index: b.i, prompt2_index: b.j, blocked_by: b.blockedBy })),
    optimization_map: g.optimizationMap,
    grouped_prompts: g.groupedPrompts,
    representative_prompts: g.representativePrompts,
    stats: {
      original_prompts: g.stats.originalPrompts,
      grouped_prompts: g.stats.groupedPrompts,
      duplicates_detected: g.stats.duplicatesDetected,
      api_calls_saved: g.stats.apiCallsSaved,
      cost_savings_percentage: g.stats.costSavingsPercentage,
    },
  };
}

export const optimizeRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/ai/optimize',
    access: 'user',
    handler({ body }) {
      const b = parseBody(OptimizeBody, body);
      const r = optimizeRequest({ prompt: b.prompt, systemMessage: b.system_message, aggressive: b.aggressive, model: b.model });
      return {
        body: {
          optimized_prompt: r.optimizedPrompt,
          optimized_system_message: r.optimizedSystemMessage,
          stats: {
            original_length: r.stats.originalLength,
            optimized_length: r.stats.optimizedLength,
            original_tokens: r.stats.originalTokens,
            optimized_tokens: r.stats.optimizedTokens,
            tokens_saved: r.stats.tokensSaved,
            reduction_percentage: r.stats.reductionPercentage,
            strategies_applied: r.stats.strategiesApplied,
            tokenizer: r.stats.tokenizer,
            tokenizer_exact: r.stats.tokenizerExact,
          },
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/optimize/recommendations',
    access: 'user',
    handler({ body }) {
      const b = parseBody(OptimizeBody.pick({ prompt: true, system_message: true }), body);
      const r = recommendRequest(b.prompt, b.system_message);
      return { body: { prompt: b.prompt, recommendations: r.recommendations, has_optimization_opportunities: r.hasOptimizationOpportunities } };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/optimize/estimate',
    access: 'user',
    handler({ body }) {
      const b = parseBody(OptimizeBody.pick({ prompt: true, aggressive: true, model: true }), body);
      const e = estimateRequest(b.prompt, b.aggressive ?? false, b.model);
      return {
        body: {
          original_chars: e.originalChars,
          estimated_reduction_chars: e.estimatedReductionChars,
          estimated_tokens_saved: e.estimatedTokensSaved,
          estimated_reduction_percentage: e.estimatedReductionPercentage,
          mode: e.mode,
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/batch/optimize',
    access: 'user',
    async handler({ body, services }) {
      const b = parseBody(BatchOptimizeBody, body);
      const g = await services.batch.group(b.prompts, b.detect_similar ?? false, b.similarity_threshold);
      return { body: { ...groupingJson(g), similarity_method: services.batch.similarityMethod } };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/batch/estimate',
    access: 'user',
    handler({ body, services }) {
      const b = parseBody(z.object({ prompts: Prompts }), body);
      const e = services.batch.estimate(b.prompts);
      return {
        body: {
          original_count: e.originalCount,
          estimated_optimized_count: e.estimatedOptimizedCount,
          api_calls_saved: e.apiCallsSaved,
          cost_savings_percentage: e.costSavingsPercentage,
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/batch/similarity',
    access: 'user',
    async handler({ body, services }) {
      const b = parseBody(SimilarityBody, body);
      const threshold = b.similarity_threshold ?? 0.85;
      const matches = await services.batch.similarity(b.prompts, threshold);
      return {
        body: {
          similarity_threshold: threshold,
          prompt_count: b.prompts.length,
          matches: matches.map((m) => ({
            prompt1_index: m.prompt1Index,
            prompt2_index: m.prompt2Index,
            similarity_score: m.similarityScore,
            is_match: m.isMatch,
            blocked_by: m.blockedBy,
            score_before_guards: m.scoreBeforeGuards,
          })),
          total_matches: matches.filter((m) => m.isMatch).length,
          similarity_method: services.batch.similarityMethod,
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/batch/complete',
    access: 'user',
    async handler({ body, services, viewer, cancel }) {
      const { input, own } = completionFromBody(undefined, body, ['provider', 'prompts', 'detect_similar', 'similarity_threshold']);
      const { prompts, detect_similar, similarity_threshold } = parseBody(BatchCompleteFields, { ...own, provider: undefined });
      const caller = { viewer, source: 'batch' as const, cancel, rateLimit: {} };
      const r = await services.batch.complete(
        { ...input, provider: own.provider as string | undefined, prompts, detectSimilar: detect_similar, threshold: similarity_threshold },
        caller,
      );
      return {
        headers: rateLimitHeaders(caller),
        body: {
          status: 'success',
          results: r.results.map((item) => ({
            index: item.index,
            group: item.groupId,
            answered_by_index: item.answeredByIndex,
            ...(item.status === 'success' ? completionJson(item.result) : { status: 'error', error: item.error }),
          })),
          ...groupingJson(r.grouping),
          api_calls_made: r.apiCallsMade,
          api_calls_saved: r.apiCallsSaved,
          total_estimated_cost: r.totalEstimatedCost,
        },
      };
    },
  },
];
