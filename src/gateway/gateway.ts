// The one pipeline every entry point uses (REST, GraphQL, batch, multi-provider,
// streams): validate -> optimize -> cache lookup / coalesce -> route (limits,
// breaker, retries, fallback) -> price -> cache write -> record usage.
import type { Cancellation } from '../cancellation.js';
import type { Viewer } from '../auth/auth-service.js';
import { completionCacheKey } from '../cache/completion-key.js';
import type { CachedCompletion, CachePolicy, ResponseCache, StreamDelta } from '../cache/response-cache.js';
import type { Config } from '../config.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { countTokens } from '../optimize/tokenizer.js';
import { optimizePrompt } from '../optimize/optimizer.js';
import type { Pricing } from '../pricing/pricing.js';
import type { ChatFeature, ChatMessage, ChatRequest, ChatResult, FinishReason, ProviderAdapter, ToolCall } from '../providers/types.js';
import { textOf } from '../providers/shared.js';
import { extraProblem, validateCompletionInput, validateEmbeddingTexts } from './completion-input.js';
import type { ChainStep } from './provider-router.js';
import type { CallRecord, UsageRecorder } from '../analytics/recorder.js';
import type { ProviderRouter } from './provider-router.js';
import type { RateLimiter } from './rate-limiter.js';
import { GOVERNANCE_REFUSALS, type Governance, type RateLimitState } from '../governance/governance.js';

export interface Caller {
  viewer: Viewer | null;
  source: 'rest' | 'graphql' | 'batch' | 'multi' | 'stream' | 'openai-chat' | 'openai-responses' | 'openai-embeddings' | 'anthropic-messages';
  /** The caller going away; its signal is read only where the gateway waits on a provider. */
  cancel?: Cancellation;
  /** Filled by the key's limits check: the x-ratelimit-* values (src/governance/headers.ts). */
  rateLimit?: RateLimitState;
}

export interface CompletionResult {
  provider: string;
  model: string;
  /** Describes the provider; says so plainly when the answer is simulated (local). */
  providerLabel: string;
  response: string;
  /** The tool calls the model asked for, in order (empty when none). */
  toolCalls: ToolCall[];
  /** Normalised across providers; null when the provider said nothing (or nothing we can name). */
  finishReason: FinishReason | null;
  /** Every input token, cached reads and cache writes included. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of inputTokens; 0 when not reported). */
  cachedInputTokens: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens; 0 when not reported). */
  cacheWriteTokens: number;
  /** Output tokens spent on reasoning (part of outputTokens; 0 when not reported). */
  reasoningTokens: number;
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

export interface EmbeddingResult {
  /** One vector per input, in order. */
  vectors: number[][];
  provider: string;
  model: string;
  /** Counted by the tokenizer (providers differ in whether they report it). */
  inputTokens: number;
  /** USD; null when the model has no known price. */
  costUsd: number | null;
}

export interface PreparedRequest {
  /** The first provider of the chain and what it is sent. */
  provider: string;
  request: ChatRequest;
  /** The provider asked for, then the fallbacks that can carry the request. */
  chain: PreparedStep[];
  cacheKey: string;
  policy: CachePolicy;
  optimized: boolean;
  tokensSaved: number;
  /** The caller's deadline for the whole request (timeout_ms). */
  deadlineMs?: number;
}

export interface PreparedStep extends ChainStep<ChatRequest> {
  /** What this step changed to fit its provider (extras left out, max_tokens lowered). */
  warnings: string[];
}

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
    readonly governance: Governance,
  ) {}

  defaultModel(provider: string): string {
    return this.config.providers[provider as keyof Config['providers']]?.defaultModel ?? this.router.adapter(provider).defaultModel;
  }

  /**
   * Validates and normalises the input (the one validation every entry point goes
   * through), checks it against the provider, applies prompt optimization and computes
   * the cache key.
   */
  prepare(raw: unknown, caller: Pick<Caller, 'viewer'>): PreparedRequest {
    const input = validateCompletionInput(raw);
    const provider = input.provider ?? this.config.defaultProvider;
    const adapter = this.router.adapter(provider);
    if (input.baseUrl !== undefined && input.baseUrl.replace(/\/+$/, '') !== adapter.baseUrl) {
      throw new GatewayError('VALIDATION_ERROR', `base_url: cannot be chosen per request; set ${provider.toUpperCase()}_BASE_URL`, { details: { field: 'base_url' } });
    }

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
    for (const m of input.messages ?? []) messages.push(canonicalMessage(m));
    if (prompt !== undefined && prompt !== '') messages.push({ role: 'user', content: prompt });
    if (!messages.some((m) => m.role !== 'system')) {
      throw new GatewayError('VALIDATION_ERROR', 'prompt: prompt or messages is required', { details: { field: 'prompt' } });
    }

    const request: ChatRequest = {
      model: input.model ?? this.defaultModel(provider),
      messages,
      maxTokens: input.maxTokens,
      temperature: input.temperature,
      topP: input.topP,
      stop: input.stop,
      tools: input.tools,
      toolChoice: input.toolChoice,
      parallelToolCalls: input.parallelToolCalls,
      responseFormat: input.responseFormat,
      seed: input.seed,
      presencePenalty: input.presencePenalty,
      frequencyPenalty: input.frequencyPenalty,
      user: input.user,
      extra: input.extra,
    };
    const needs = featuresOf(request);
    const first = this.stepFor(adapter, request, needs, true)!;
    const chain = [first];
    for (const entry of input.fallback ?? this.config.fallbackProviders) {
      const slash = entry.indexOf('/');
      const name = slash < 0 ? entry : entry.slice(0, slash);
      if (name === provider || chain.some((s) => s.provider === name)) continue;
      const fallback = this.router.adapter(name);
      const step = this.stepFor(fallback, { ...request, model: slash < 0 ? this.defaultModel(name) : entry.slice(slash + 1) }, needs, false);
      if (step) chain.push(step);
      else this.logger.debug('fallback provider cannot carry the request; skipped', { provider: name, needs: [...needs] });
    }
    return {
      provider,
      request: first.request,
      // What the caller's API key may use (its and its team's model allow-lists).
      chain: this.governance.allowedChain(caller.viewer?.governance, chain),
      cacheKey: this.cache.enabled ? completionCacheKey(provider, first.request, this.cacheScope(caller)) : '',
      policy: input.cache ?? {},
      optimized,
      tokensSaved,
      deadlineMs: input.timeoutMs,
    };
  }

  /**
   * Who may share cache entries: each user their own (default), or everyone
   * (CACHE_SCOPE=shared). A shared cache tells one user, through `cached: true`, what
   * another asked.
   */
  private cacheScope(caller: Pick<Caller, 'viewer'>): string {
    return this.config.cacheScope === 'shared' ? '*' : `u:${caller.viewer?.userId ?? 'anonymous'}`;
  }

  /**
   * The request as `adapter` is sent it, or why not. For the provider asked for, anything it
   * cannot take is a 400; for a fallback, what only the first provider understood (its
   * extras, a higher output limit) is adjusted and said, and a fallback that cannot carry
   * a feature the request needs is left out (null).
   */
  private stepFor(adapter: ProviderAdapter, request: ChatRequest, needs: Set<ChatFeature>, primary: boolean): PreparedStep | null {
    const provider = adapter.name;
    const warnings: string[] = [];
    const missing = [...needs].find((f) => !adapter.features.has(f));
    if (missing) {
      if (!primary) return null;
      throw new GatewayError('UNSUPPORTED_FEATURE', `${provider} does not support ${FEATURE_NAMES[missing]}`, { details: { provider, feature: missing } });
    }
    if (!adapter.modelPattern.test(request.model)) {
      throw new GatewayError('VALIDATION_ERROR', `model: ${request.model} is not a ${provider} model name`, { details: { field: 'model', provider } });
    }
    // What the provider's translation cannot carry although every feature is declared (a schema keyword, a model without vision).
    try {
      adapter.check?.(request);
    } catch (e) {
      if (!primary) return null;
      throw e;
    }
    const limit = adapter.maxOutputTokens(request.model);
    let maxTokens = request.maxTokens;
    if (maxTokens !== undefined && maxTokens > limit) {
      if (primary) {
        throw new GatewayError('VALIDATION_ERROR', `max_tokens: ${maxTokens} is above the limit of ${limit} for ${provider}/${request.model}`, { details: { field: 'max_tokens', limit } });
      }
      warnings.push(`max_tokens lowered to ${limit}, the limit of ${provider}/${request.model}`);
      maxTokens = limit;
    }
    let extra = request.extra;
    if (extra) {
      const bad = extraProblem(extra, adapter.extraParams);
      if (bad !== null && primary) {
        throw new GatewayError('VALIDATION_ERROR', `extra.${bad}: ${provider} takes no such generation parameter; it accepts ${adapter.extraParams.join(', ') || 'none'}`, { details: { field: `extra.${bad}`, provider } });
      }
      if (bad !== null) {
        warnings.push(`extra left out: ${provider} does not take it`);
        extra = undefined;
      }
    }
    return { provider, model: request.model, request: { ...request, maxTokens, extra }, warnings };
  }

  /** Counts the request against the caller's limit (USER_RATE_LIMIT). */
  async admit(caller: Caller): Promise<void> {
    if (caller.viewer) await this.limiter.consume(`user:${caller.viewer.userId}`, this.config.userRateLimit, 'user');
  }

  /**
   * Embeddings with the same limits, provider rate limit, breaker, retries and analytics as
   * a completion (not cached: a vector is as cheap to ask again as to look up). Only
   * providers that list embedding models offer them.
   */
  async embed(provider: string, model: string, input: unknown, caller: Caller): Promise<EmbeddingResult> {
    const started = performance.now();
    const texts = validateEmbeddingTexts(input);
    const adapter = this.router.adapter(provider);
    if (!adapter.embed || !adapter.embeddingModels?.length) {
      const offered = [...this.router.providers.values()].filter((a) => a.embeddingModels?.length).map((a) => a.name);
      throw new GatewayError('UNSUPPORTED_FEATURE', `${provider} offers no embeddings through this gateway; these do: ${offered.join(', ')}`, { details: { provider, feature: 'embeddings' } });
    }
    if (!adapter.modelPattern.test(model)) throw new GatewayError('VALIDATION_ERROR', `model: ${model} is not a ${provider} model name`, { details: { field: 'model', provider } });
    this.governance.allowedChain(caller.viewer?.governance, [{ provider, model }]);
    await this.admit(caller);
    const inputTokens = texts.reduce((n, t) => n + countTokens(t, model), 0);
    const record = (status: CallRecord['status'], errorCode: string | null, costUsd: number | null) =>
      this.recorder.record({
        userId: caller.viewer?.userId ?? null, apiKeyId: caller.viewer?.apiKeyId ?? null, teamId: caller.viewer?.governance?.teamId ?? null, provider, model, source: caller.source, inputTokens: status === 'success' ? inputTokens : 0, outputTokens: 0,
        costUsd, listCostUsd: costUsd, costEstimated: true, latencyMs: Math.round(performance.now() - started), cached: false,
        optimized: false, tokensSaved: 0, streamed: false, status, errorCode,
      });
    const costUsd = this.pricing.cost({ provider, model, inputTokens, outputTokens: 0 });
    const reservation = await this.governance.reserveWorst(caller.viewer?.governance, inputTokens, costUsd ?? 0, caller.rateLimit);
    try {
      const routed = await this.router.run([{ provider, model, request: texts }], (a, request, signal) => a.embed!(request, { signal }, model), { cancel: caller.cancel })
        .catch(async (e: unknown) => {
          await reservation.release();
          throw e;
        });
      await reservation.settle({ inputTokens, outputTokens: 0, costUsd });
      record('success', null, costUsd);
      return { vectors: routed.value, provider, model, inputTokens, costUsd };
    } catch (e) {
      const err = toGatewayError(e);
      record('error', err.code, 0);
      throw err;
    }
  }

  async complete(input: unknown, caller: Caller): Promise<CompletionResult> {
    const started = performance.now();
    let prepared: PreparedRequest | undefined;
    try {
      prepared = this.prepare(input, caller);
      await this.admit(caller);
      const p = prepared;
      // A hit, or this request computes the entry (or follows the one computing it).
      const outcome = await this.cache.getOrCoalesce(p.cacheKey, p.policy, async () => {
        // The key's and team's limits: the worst case reserved now, settled to the real use below.
        const reservation = await this.governance.reserve(caller.viewer?.governance, p.chain, caller.rateLimit);
        const routed = await this.router.run(
          p.chain,
          (adapter, request, signal) => adapter.chat(request, { signal }),
          { cancel: caller.cancel, deadlineMs: p.deadlineMs },
        ).catch(async (e: unknown) => {
          await reservation.release();
          throw e;
        });
        const result = this.resultFromUpstream(p, routed.provider, routed.value, routed.failedOver);
        await reservation.settle({ inputTokens: result.inputTokens, outputTokens: result.outputTokens, costUsd: result.estimatedCost });
        // A fallback's answer is not what the key asked for: do not cache it under that key.
        const entry = this.cache.enabled && routed.provider === p.provider ? this.entryFrom(result) : null;
        return { value: result, entry };
      });
      if (outcome.role !== 'leader') return this.finishFromCache(p, outcome.value, caller, started, false);
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
      toolCalls: hit.toolCalls ?? [],
      finishReason: normaliseFinishReason(hit.finishReason, (hit.toolCalls?.length ?? 0) > 0),
      inputTokens: hit.inputTokens ?? 0,
      outputTokens: hit.outputTokens ?? 0,
      cachedInputTokens: hit.cachedInputTokens ?? 0,
      cacheWriteTokens: hit.cacheWriteTokens ?? 0,
      reasoningTokens: hit.reasoningTokens ?? 0,
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
      inputTokens = p.request.messages.reduce((n, m) => n + countTokens(textOf(m.content), r.model), 0);
      costEstimated = true;
    }
    if (outputTokens === null) {
      outputTokens = countTokens(r.text + (r.toolCalls ?? []).map((c) => c.name + c.arguments).join(''), r.model);
      costEstimated = true;
    }
    const step = p.chain.find((s) => s.provider === provider);
    if (step) warnings.push(...step.warnings);
    if (costEstimated) warnings.push(`${provider} reported no token usage; counts come from the tokenizer`);
    const model = r.model || p.request.model;
    const cost = this.pricing.cost({
      provider, model, inputTokens, outputTokens,
      cachedInputTokens: r.cachedInputTokens, cacheWriteTokens: r.cacheWriteTokens, reasoningTokens: r.reasoningTokens,
    });
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
      toolCalls: r.toolCalls ?? [],
      finishReason: normaliseFinishReason(r.finishReason, (r.toolCalls?.length ?? 0) > 0),
      inputTokens,
      outputTokens,
      cachedInputTokens: r.cachedInputTokens ?? 0,
      cacheWriteTokens: r.cacheWriteTokens ?? 0,
      reasoningTokens: r.reasoningTokens ?? 0,
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

  entryFrom(result: CompletionResult, chunks?: StreamDelta[]): CachedCompletion {
    return {
      provider: result.provider,
      model: result.model,
      text: result.response,
      ...(result.toolCalls.length ? { toolCalls: result.toolCalls } : {}),
      finishReason: result.finishReason,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      ...(result.cachedInputTokens ? { cachedInputTokens: result.cachedInputTokens } : {}),
      ...(result.cacheWriteTokens ? { cacheWriteTokens: result.cacheWriteTokens } : {}),
      ...(result.reasoningTokens ? { reasoningTokens: result.reasoningTokens } : {}),
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
  recordInterrupted(caller: Caller, p: PreparedRequest, provider: string, partialText: string, partialCalls: ToolCall[], started: number): CompletionResult {
    const partial = this.resultFromUpstream(p, provider, {
      text: partialText, toolCalls: partialCalls, finishReason: null, inputTokens: null, outputTokens: null, model: p.request.model, latencyMs: Math.round(performance.now() - started),
    }, []);
    this.recordCall(caller, p, true, usageOf(partial), 'error', 'CLIENT_DISCONNECTED');
    return partial;
  }

  recordError(caller: Caller, p: PreparedRequest | undefined, err: GatewayError, started: number, streamed: boolean) {
    // Requests rejected before reaching a provider (validation, auth, limits) are not provider calls.
    if (!p || err.code === 'RATE_LIMITED' || err.code === 'VALIDATION_ERROR' || GOVERNANCE_REFUSALS.has(err.code)) return;
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

  /** Every record names the caller and the request's optimization the same way. */
  private recordCall(caller: Caller, p: PreparedRequest, streamed: boolean, u: Usage, status: CallRecord['status'], errorCode: string | null) {
    this.recorder.record({
      userId: caller.viewer?.userId ?? null,
      apiKeyId: caller.viewer?.apiKeyId ?? null,
      teamId: caller.viewer?.governance?.teamId ?? null,
      provider: u.provider,
      model: u.model,
      source: caller.source,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      cachedInputTokens: u.cachedInputTokens ?? 0,
      cacheWriteTokens: u.cacheWriteTokens ?? 0,
      reasoningTokens: u.reasoningTokens ?? 0,
      toolCalls: u.toolCalls ?? 0,
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
type Usage = Pick<
  CallRecord,
  'provider' | 'model' | 'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'cacheWriteTokens' | 'reasoningTokens' | 'toolCalls' | 'costUsd' | 'listCostUsd' | 'costEstimated' | 'latencyMs' | 'cached'
>;

/** The usage fields of a record, from a result (list price = the price charged). */
function usageOf(r: CompletionResult): Usage {
  return {
    provider: r.provider,
    model: r.model,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedInputTokens: r.cachedInputTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    reasoningTokens: r.reasoningTokens,
    toolCalls: r.toolCalls.length,
    costUsd: r.estimatedCost,
    listCostUsd: r.estimatedCost,
    costEstimated: r.costEstimated,
    latencyMs: r.latencyMs,
    cached: r.cached,
  };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop', length: 'length', tool_calls: 'tool_calls', content_filter: 'content_filter', error: 'error',
  // Words adapters may pass on as the provider said them.
  end_turn: 'stop', stop_sequence: 'stop', complete: 'stop', eos: 'stop', pause_turn: 'stop',
  max_tokens: 'length', max_output_tokens: 'length', model_context_window_exceeded: 'length',
  tool_use: 'tool_calls', function_call: 'tool_calls', tool_call: 'tool_calls',
  safety: 'content_filter', recitation: 'content_filter', refusal: 'content_filter', blocklist: 'content_filter', prohibited_content: 'content_filter', spii: 'content_filter',
};

/**
 * One word for why generation stopped, whatever the provider said. An answer with tool
 * calls that stopped naturally stopped to call them (some providers say "stop" then).
 */
export function normaliseFinishReason(raw: string | null | undefined, hasToolCalls: boolean): FinishReason | null {
  if (raw === null || raw === undefined) return hasToolCalls ? 'tool_calls' : null;
  const reason = FINISH_REASONS[raw.toLowerCase()] ?? null;
  return reason === 'stop' && hasToolCalls ? 'tool_calls' : reason;
}

/** A validated message as adapters take it: content is a string unless it holds an image. */
function canonicalMessage(m: ChatMessage): ChatMessage {
  const content = Array.isArray(m.content) && !m.content.some((p) => p.type === 'image') ? textOf(m.content) : m.content;
  return { role: m.role, content, ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}), ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}) };
}

/** The features beyond text chat a request needs from its provider. */
export function featuresOf(r: ChatRequest): Set<ChatFeature> {
  const needs = new Set<ChatFeature>();
  if (r.tools?.length || r.messages.some((m) => m.role === 'tool' || m.toolCalls)) needs.add('tools');
  if (r.toolChoice === 'required' || typeof r.toolChoice === 'object') needs.add('tool_choice_required');
  if (r.parallelToolCalls !== undefined) needs.add('parallel_tool_calls');
  for (const m of r.messages) {
    if (typeof m.content === 'string') continue;
    for (const part of m.content) {
      if (part.type !== 'image') continue;
      needs.add('images');
      if (part.source.kind === 'url') needs.add('image_urls');
    }
  }
  if (r.responseFormat?.type === 'json_object') needs.add('json_object');
  if (r.responseFormat?.type === 'json_schema') needs.add('json_schema');
  if (r.seed !== undefined) needs.add('seed');
  if (r.presencePenalty !== undefined || r.frequencyPenalty !== undefined) needs.add('penalties');
  if (r.user !== undefined) needs.add('user');
  return needs;
}

const FEATURE_NAMES: Record<ChatFeature, string> = {
  tools: 'tools (function calling)',
  tool_choice_required: 'forcing a tool call (tool_choice required or a named tool)',
  parallel_tool_calls: 'parallel_tool_calls',
  images: 'image inputs',
  image_urls: 'images by URL (send the image as a base64 data URL)',
  json_object: 'JSON mode (response_format json_object)',
  json_schema: 'structured output (response_format json_schema)',
  seed: 'seed',
  penalties: 'presence and frequency penalties',
  user: 'the user field',
};
