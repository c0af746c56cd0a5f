// The guide's completion body (snake_case) <-> the pipeline's CompletionInput /
// CompletionResult. Shared by every REST route that completes.
import { z } from 'zod';
import type { CompletionInput, CompletionResult } from '../gateway/gateway.js';

export const MessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

export const CompletionFields = {
  prompt: z.string().optional(),
  model: z.string().min(1).max(200).optional(),
  system_message: z.string().optional(),
  messages: z.array(MessageSchema).max(500).optional(),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(8)]).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  optimize: z.boolean().optional(),
  aggressive: z.boolean().optional(),
  cache: z
    .object({ read: z.boolean().optional(), write: z.boolean().optional(), ttl_seconds: z.number().int().positive().optional() })
    .optional(),
  /** Shorthand for cache: {read: false, write: false}. */
  no_cache: z.boolean().optional(),
  fallback: z.array(z.string()).max(6).optional(),
  timeout_ms: z.number().int().positive().max(600_000).optional(),
  base_url: z.string().optional(),
};

export const CompletionBody = z.object(CompletionFields);
export type CompletionBodyT = z.infer<typeof CompletionBody>;

export function toCompletionInput(provider: string | undefined, b: CompletionBodyT): CompletionInput {
  const cache = b.no_cache
    ? { read: false, write: false }
    : b.cache
      ? { read: b.cache.read, write: b.cache.write, ttlSeconds: b.cache.ttl_seconds }
      : undefined;
  return {
    provider,
    model: b.model,
    prompt: b.prompt,
    systemMessage: b.system_message,
    messages: b.messages,
    maxTokens: b.max_tokens,
    temperature: b.temperature,
    topP: b.top_p,
    stop: typeof b.stop === 'string' ? [b.stop] : b.stop,
    extra: b.extra,
    optimize: b.optimize,
    aggressive: b.aggressive,
    cache,
    fallback: b.fallback,
    timeoutMs: b.timeout_ms,
  };
}

export function completionJson(r: CompletionResult) {
  return {
    status: 'success',
    provider: r.provider,
    model: r.model,
    response: r.response,
    tokens_used: r.tokensUsed,
    estimated_cost: r.estimatedCost,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    latency_ms: r.latencyMs,
    cached: r.cached,
    optimized: r.optimized,
    tokens_saved: r.tokensSaved,
    cost_estimated: r.costEstimated,
    finish_reason: r.finishReason,
    provider_label: r.providerLabel,
    ...(r.failedOver.length ? { failed_over: r.failedOver } : {}),
    ...(r.warnings.length ? { warnings: r.warnings } : {}),
  };
}
