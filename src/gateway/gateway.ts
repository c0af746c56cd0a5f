// The one pipeline every entry point uses (REST, GraphQL, batch, multi-provider,
// streams): validate -> optimize -> cache lookup / coalesce -> route (limits,
// breaker, retries, fallback) -> price -> cache write -> record usage.
import type { Cancellation } from '../cancellation.js';
import type { Viewer } from '../auth/auth-service.js';
import { completionCacheKey } from '../cache/completion-key.js';
import type { CachedCompletion, CachePolicy, ResponseCache } from '../cache/response-cache.js';
import type { Config } from '../config.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { countTokens } from '../optimize/tokenizer.js';
import { optimizePrompt } from '../optimize/optimizer.js';
import type { Pricing } from '../pricing/pricing.js';
import type { ChatMessage, ChatRequest, ChatResult } from '../providers/types.js';
import type { CallRecord, UsageRecorder } from '../analytics/recorder.js';
import type { ProviderRouter } from './provider-router.js';
import type { RateLimiter } from './rate-limiter.js';

export interface CompletionInput {
  provider?: string;
  model?: string;
  prompt?: string;
  systemMessage?: string;
  /** Earlier turns; `prompt`, when given, is appended as the last user message. */
  messages?: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  /** Provider-specific parameters passed through unchanged (part of the cache key). */
  extra?: Record<string, unknown>;
  /** Per-request switch for prompt optimization; default from config. */
  optimize?: boolean;
  aggressive?: boolean;
  cache?: CachePolicy;
  /** Providers to try, in order, when the first fails. Default from FALLBACK_PROVIDERS. */
  fallback?: string[];
  timeoutMs?: number;
}

export interface Caller {
  viewer: Viewer | null;
  source: 'rest' | 'graphql' | 'batch' | 'multi' | 'stream';
  /** The caller going away; its signal is read only where the gateway waits on a provider. */
  cancel?: Cancellation;
}

export interface CompletionResult {
  provider: string;
  model: string;
  /** Describes the provider; says so plainly when the answer is simulated (local). */
  providerLabel: string;
  response: string;
  finishReason: string | null;
  inputTokens: number;
  outputTokens: number;
  /** Tokens billed to the caller: 0 for a cache hit. */
  tokensUsed: number;
  /** USD billed to the caller (0 for a hit); null when the model has no known price. */
  estimatedCost: number | null;
  /** True when token counts came from the tokenizer because the provider reported none. */
  costEstimated: boolean;
  latencyMs: number;
  cached: boolean;
  optimized: boolean;
  tokensSaved: number;
  /** Providers that failed before this one answered. */
  failedOver: string[];
  warnings: string[];
}

export interface PreparedRequest {
  provider: string;
  request: ChatRequest;
  chain: { provider: string; model: string }[];
  cacheKey: string;
  policy: CachePolicy;
  optimized: boolean;
  tokensSaved: number;
  timeoutMs?: number;
}

const MAX_STOP = 8;

export class Gateway {
  private readonly warnedPrices = new Set<string>();

  constructor(
    readonly config: Config,
    readonly router: ProviderRouter,
    readonly cache: ResponseCache,
    readonly pricing: Pricing,
    private readonly limiter: RateLimiter,
    private readonly recorder: UsageRecorder,
    private readonly logger: Logger,
  ) {}

  defaultModel(provider: string): string {
    return this.config.providers[provider as keyof Config['providers']]?.defaultModel ?? this.router.adapter(provider).defaultModel;
  }

  /** Validates and normalises the input, applies prompt optimization, computes the cache key. */
  prepare(input: CompletionInput): PreparedRequest {
    const provider = input.provider ?? this.config.defaultProvider;
    const adapter = this.router.adapter(provider);
    validateParameters(input, adapter.maxTokens);

    let prompt = input.prompt;
    let system = input.systemMessage;
    let optimized = false;
    let tokensSaved = 0;
    const wantOptimize = input.optimize ?? (this.config.enableOptimization || this.config.aggressiveOptimization);
    if (wantOptimize && (prompt || system)) {
      const r = optimizePrompt({
        prompt: prompt ?? '',
        systemMessage: system ?? null,
        aggressive: input.aggressive ?? this.config.aggressiveOptimization,
        // Tokens saved are counted with the tokenizer of the model that will be billed.
        model: input.model ?? this.defaultModel(provider),
      });
      tokensSaved = Math.max(0, r.stats.tokensSaved);
      optimized = tokensSaved > 0;
      if (optimized) {
        if (prompt) prompt = r.optimizedPrompt;
        if (system) system = r.optimizedSystemMessage ?? system;
      }
    }

    const messages: ChatMessage[] = [];
    if (system) messages.push({ role: 'system', content: system });
    for (const m of input.messages ?? []) messages.push({ role: m.role, content: m.content });
    if (prompt !== undefined && prompt !== '') messages.push({ role: 'user', content: prompt });
    if (!messages.some((m) => m.role !== 'system')) {
      throw new GatewayError('VALIDATION_ERROR', 'prompt or messages is required', { details: { field: 'prompt' } });
    }

    const model = input.model ?? this.defaultModel(provider);
    const request: ChatRequest = {
      model,
      messages,
      maxTokens: input.maxTokens,
      temperature: input.temperature,
      topP: input.topP,
      stop: input.stop?.length ? input.stop : undefined,
      extra: input.extra && Object.keys(input.extra).length ? input.extra : undefined,
    };
    const fallback = (input.fallback ?? this.config.fallbackProviders).filter((p) => p !== provider);
    for (const p of fallback) this.router.adapter(p);
    return {
      provider,
      request,
      chain: [{ provider, model }, ...fallback.map((p) => ({ provider: p, model: this.defaultModel(p) }))],
      // Hashing the canonical request costs a few microseconds: only when there is a cache to key.
      cacheKey: this.cache.enabled ? completionCacheKey(provider, request) : '',
      policy: input.cache ?? {},
      optimized,
      tokensSaved,
      timeoutMs: input.timeoutMs,
    };
  }

  /** Counts the request against the caller's limit (USER_RATE_LIMIT). */
  async admit(caller: Caller): Promise<void> {
    if (caller.viewer) await this.limiter.consume(`user:${caller.viewer.userId}`, this.config.userRateLimit, 'user');
  }

  async complete(input: CompletionInput, caller: Caller): Promise<CompletionResult> {
    const started = performance.now();
    let prepared: PreparedRequest | undefined;
    try {
      prepared = this.prepare(input);
      await this.admit(caller);
      const p = prepared;
      const hit = await this.cache.get(p.cacheKey, p.policy);
      if (hit) return this.finishFromCache(p, hit, caller, started, false);

      const outcome = await this.cache.coalesce(p.cacheKey, p.policy, async () => {
        const routed = await this.router.run(
          p.chain,
          (adapter, model, signal) => adapter.chat({ ...p.request, model }, { signal }),
          { cancel: caller.cancel, timeoutMs: p.timeoutMs },
        );
        const result = this.resultFromUpstream(p, routed.provider, routed.value, routed.failedOver);
        // A fallback's answer is not what the key asked for: do not cache it under that key.
        const entry = this.cache.enabled && routed.provider === p.provider ? this.entryFrom(result) : null;
        return { value: result, entry };
      });
      if (outcome.role === 'follower') return this.finishFromCache(p, outcome.value, caller, started, false);
      const result = outcome.value;
      this.record(caller, p, result, false);
      return result;
    } catch (e) {
      const err = toGatewayError(e);
      this.recordError(caller, prepared, err, started, false);
      throw err;
    }
  }

  /** Builds the caller's result for a cache hit (or a coalesced follower): 0 tokens and $0 billed. */
  finishFromCache(p: PreparedRequest, hit: CachedCompletion, caller: Caller, started: number, streamed: boolean): CompletionResult {
    const result: CompletionResult = {
      provider: hit.provider,
      model: hit.model,
      providerLabel: this.router.adapter(hit.provider).label,
      response: hit.text,
      finishReason: hit.finishReason,
      inputTokens: hit.inputTokens ?? 0,
      outputTokens: hit.outputTokens ?? 0,
      tokensUsed: 0,
      estimatedCost: 0,
      costEstimated: hit.costEstimated,
      latencyMs: Math.round(performance.now() - started),
      cached: true,
      optimized: p.optimized,
      tokensSaved: p.tokensSaved,
      failedOver: [],
      warnings: [],
    };
    // The caller pays nothing; what the answer cost originally is kept as its list price.
    const usage = usageOf(result);
    usage.listCostUsd = hit.costUsd;
    this.recordCall(caller, p, streamed, usage, 'success', null);
    return result;
  }

  /** Usage and cost from what the provider reported; the tokenizer only when it reported nothing. */
  resultFromUpstream(p: PreparedRequest, provider: string, r: ChatResult, failedOver: string[]): CompletionResult {
    const warnings: string[] = [];
    let costEstimated = false;
    let inputTokens = r.inputTokens;
    let outputTokens = r.outputTokens;
    if (inputTokens === null) {
      inputTokens = p.request.messages.reduce((n, m) => n + countTokens(m.content, r.model), 0);
      costEstimated = true;
    }
    if (outputTokens === null) {
      outputTokens = countTokens(r.text, r.model);
      costEstimated = true;
    }
    if (costEstimated) warnings.push(`${provider} reported no token usage; counts come from the tokenizer`);
    const model = r.model || p.request.model;
    const cost = this.pricing.cost({ provider, model, inputTokens, outputTokens });
    if (cost === null) {
      warnings.push(`No price known for ${provider}/${model}; estimated_cost is null`);
      const key = `${provider}/${model}`;
      if (!this.warnedPrices.has(key)) {
        this.warnedPrices.add(key);
        this.logger.warn('no price for model; cost reported as null', { provider, model });
      }
    }
    return {
      provider,
      model,
      providerLabel: this.router.adapter(provider).label,
      response: r.text,
      finishReason: r.finishReason,
      inputTokens,
      outputTokens,
      tokensUsed: inputTokens + outputTokens,
      estimatedCost: cost,
      costEstimated,
      latencyMs: r.latencyMs,
      cached: false,
      optimized: p.optimized,
      tokensSaved: p.tokensSaved,
      failedOver,
      warnings,
    };
  }

  entryFrom(result: CompletionResult, chunks?: string[]): CachedCompletion {
    return {
      provider: result.provider,
      model: result.model,
      text: result.response,
      finishReason: result.finishReason,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      costUsd: result.estimatedCost,
      costEstimated: result.costEstimated,
      ...(chunks ? { chunks } : {}),
      createdAt: new Date().toISOString(),
    };
  }

  record(caller: Caller, p: PreparedRequest, result: CompletionResult, streamed: boolean) {
    this.recordCall(caller, p, streamed, usageOf(result), 'success', null);
  }

  /** A stream the client left: usage counted by the tokenizer from what was generated so far. */
  recordInterrupted(caller: Caller, p: PreparedRequest, provider: string, partialText: string, started: number) {
    const partial = this.resultFromUpstream(p, provider, {
      text: partialText, finishReason: null, inputTokens: null, outputTokens: null, model: p.request.model, latencyMs: Math.round(performance.now() - started),
    }, []);
    this.recordCall(caller, p, true, usageOf(partial), 'error', 'CLIENT_DISCONNECTED');
  }

  recordError(caller: Caller, p: PreparedRequest | undefined, err: GatewayError, started: number, streamed: boolean) {
    // Requests rejected before reaching a provider (validation, auth, limits) are not provider calls.
    if (!p || err.code === 'RATE_LIMITED' || err.code === 'VALIDATION_ERROR') return;
    this.recordCall(caller, p, streamed, {
      provider: p.provider,
      model: p.request.model,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      listCostUsd: 0,
      costEstimated: false,
      latencyMs: Math.round(performance.now() - started),
      cached: false,
    }, 'error', err.code);
  }

  /**
   * Every record names the caller and the request's optimization the same way. Written
   * out field by field: built with object spread, these records outlived the
   * young-generation collections on Node 20 (bench/experiments/gc-probe.mts: 250 KB
   * copied per collection instead of 35 KB at 1 connection, twice the pause).
   */
  private recordCall(caller: Caller, p: PreparedRequest, streamed: boolean, u: Usage, status: CallRecord['status'], errorCode: string | null) {
    this.recorder.record({
      userId: caller.viewer?.userId ?? null,
      provider: u.provider,
      model: u.model,
      source: caller.source,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      costUsd: u.costUsd,
      listCostUsd: u.listCostUsd,
      costEstimated: u.costEstimated,
      latencyMs: u.latencyMs,
      cached: u.cached,
      optimized: p.optimized,
      tokensSaved: p.tokensSaved,
      streamed,
      status,
      errorCode,
    });
  }
}

/** What a record says of the call itself. */
type Usage = Pick<CallRecord, 'provider' | 'model' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'listCostUsd' | 'costEstimated' | 'latencyMs' | 'cached'>;

/** The usage fields of a record, from a result (list price = the price charged). */
function usageOf(r: CompletionResult): Usage {
  return {
    provider: r.provider,
    model: r.model,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.estimatedCost,
    listCostUsd: r.estimatedCost,
    costEstimated: r.costEstimated,
    latencyMs: r.latencyMs,
    cached: r.cached,
  };
}

function validateParameters(input: CompletionInput, providerMaxTokens: number) {
  const bad = (field: string, message: string) => new GatewayError('VALIDATION_ERROR', `${field} ${message}`, { details: { field } });
  if (input.maxTokens !== undefined && (!Number.isInteger(input.maxTokens) || input.maxTokens < 1 || input.maxTokens > Math.max(providerMaxTokens, 1_000_000))) {
    throw bad('max_tokens', 'must be a positive integer');
  }
  if (input.temperature !== undefined && !(input.temperature >= 0 && input.temperature <= 2)) throw bad('temperature', 'must be between 0 and 2');
  if (input.topP !== undefined && !(input.topP > 0 && input.topP <= 1)) throw bad('top_p', 'must be greater than 0 and at most 1');
  if (input.stop && (input.stop.length > MAX_STOP || input.stop.some((s) => typeof s !== 'string' || s === ''))) {
    throw bad('stop', `must be at most ${MAX_STOP} non-empty strings`);
  }
  for (const m of input.messages ?? []) {
    if (!['system', 'user', 'assistant'].includes(m.role) || typeof m.content !== 'string') {
      throw bad('messages', 'must be {role: system|user|assistant, content: string}');
    }
  }
}
