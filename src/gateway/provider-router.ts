// Calls a provider the resilient way: provider rate limit, circuit breaker,
// per-attempt timeout, retries with backoff on 429/5xx/network errors, and a
// fallback chain. Upstream failures leave here as GatewayErrors.
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { UpstreamError, type ProviderAdapter } from '../providers/types.js';
import { CircuitBreaker } from '../circuit-breaker.js';
import type { Cancellation } from '../cancellation.js';
import type { RateLimiter } from './rate-limiter.js';
import { backoffDelayMs, DEFAULT_RETRY, isRetryable, sleep, type RetryPolicy } from './retry.js';

export interface RouteOptions {
  /** The caller going away: aborts the attempt in flight and ends the run. */
  cancel?: Cancellation;
  /**
   * The caller's own deadline for the whole run, in milliseconds. When it passes, the
   * attempt in flight is aborted and the run ends: no retry, no fallback, and no verdict on
   * the provider (a deadline the caller chose says nothing about it). Each attempt also has
   * the gateway's own REQUEST_TIMEOUT_MS, which does count against the provider.
   */
  deadlineMs?: number;
}

export interface ChainStep<R> {
  provider: string;
  model: string;
  /** What this provider is sent (each step has its own: model, limits and extras differ). */
  request: R;
}

export interface Routed<T> {
  value: T;
  provider: string;
  /** The model actually requested from that provider. */
  model: string;
  attempts: number;
  /** Providers tried before the one that answered. */
  failedOver: string[];
}

export type Attempt<T, R> = (adapter: ProviderAdapter, request: R, signal: AbortSignal) => Promise<T>;

/** Why an attempt was aborted by the gateway rather than by the provider. */
const DEADLINE = Symbol('deadline');
const PROVIDER_TIMEOUT = Symbol('provider timeout');

export class ProviderRouter {
  private readonly breakers = new Map<string, CircuitBreaker>();
  readonly retry: RetryPolicy;

  constructor(
    readonly providers: ReadonlyMap<string, ProviderAdapter>,
    private readonly config: Pick<Config, 'providers' | 'requestTimeoutMs' | 'maxRetries' | 'breakerFailureThreshold' | 'breakerCooldownMs'>,
    private readonly limiter: RateLimiter,
    private readonly logger: Logger,
    retry: Partial<RetryPolicy> = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, maxRetries: config.maxRetries, ...retry };
  }

  adapter(name: string): ProviderAdapter {
    const a = this.providers.get(name);
    if (!a) throw new GatewayError('UNKNOWN_PROVIDER', `Unknown provider "${name}"; available: ${[...this.providers.keys()].join(', ')}`);
    return a;
  }

  breaker(name: string): CircuitBreaker {
    let b = this.breakers.get(name);
    if (!b) {
      b = new CircuitBreaker(this.config.breakerFailureThreshold, this.config.breakerCooldownMs);
      this.breakers.set(name, b);
    }
    return b;
  }

  /**
   * Tries each provider of the chain in turn. Errors that are the caller's doing (a bad
   * request, a client that went away, its deadline) do not fall over.
   */
  async run<T, R>(chain: ChainStep<R>[], attempt: Attempt<T, R>, options: RouteOptions = {}): Promise<Routed<T>> {
    const deadline = options.deadlineMs === undefined ? undefined : { at: performance.now() + options.deadlineMs, ms: options.deadlineMs };
    const failedOver: string[] = [];
    let lastError: GatewayError | undefined;
    for (const [i, step] of chain.entries()) {
      try {
        const { value, attempts } = await this.runOne(step, attempt, options.cancel, deadline);
        return { value, provider: step.provider, model: step.model, attempts, failedOver };
      } catch (e) {
        const err = e instanceof GatewayError ? e : new GatewayError('PROVIDER_ERROR', `${step.provider} failed`, { cause: e });
        if (options.cancel?.aborted || !fallsOver(err) || i === chain.length - 1) throw err;
        this.logger.warn('provider failed, falling back', { provider: step.provider, next: chain[i + 1]!.provider, code: err.code });
        failedOver.push(step.provider);
        lastError = err;
      }
    }
    throw lastError ?? new GatewayError('PROVIDER_ERROR', 'No provider to call');
  }

  private async runOne<T, R>(
    step: ChainStep<R>,
    attempt: Attempt<T, R>,
    cancel: Cancellation | undefined,
    deadline: { at: number; ms: number } | undefined,
  ): Promise<{ value: T; attempts: number }> {
    const name = step.provider;
    const adapter = this.adapter(name);
    if (!adapter.isConfigured()) {
      throw new GatewayError('PROVIDER_UNCONFIGURED', `Provider ${name} is not configured: set ${name.toUpperCase()}_API_KEY`);
    }
    await this.limiter.consume(`provider:${name}`, this.config.providers[name as keyof Config['providers']]?.rateLimit, `provider ${name}`);
    await adapter.ready?.();
    const breaker = this.breaker(name);
    const deadlineError = () =>
      new GatewayError('DEADLINE_EXCEEDED', `The request's timeout of ${deadline!.ms} ms passed before ${name} answered`, { details: { provider: name, timeout_ms: deadline!.ms } });
    for (let n = 0; ; n++) {
      const left = deadline ? deadline.at - performance.now() : Infinity;
      if (left <= 0) throw deadlineError();
      if (!breaker.tryAcquire()) {
        throw new GatewayError('PROVIDER_UNAVAILABLE', `Provider ${name} is failing; calls are paused (circuit open)`, {
          retryAfter: Math.max(1, breaker.retryAfterSeconds()),
        });
      }
      // One controller per attempt, aborted by the provider's timeout, the caller's deadline
      // or the caller leaving (a listener, not a second signal: see ../cancellation.ts).
      const attemptAbort = new AbortController();
      let why: typeof DEADLINE | typeof PROVIDER_TIMEOUT | null = null;
      const providerMs = this.config.requestTimeoutMs;
      const byDeadline = left < providerMs;
      const timer = setTimeout(() => {
        why = byDeadline ? DEADLINE : PROVIDER_TIMEOUT;
        attemptAbort.abort(new Error(byDeadline ? 'deadline' : 'timeout'));
      }, byDeadline ? left : providerMs);
      const unlink = cancel?.onAbort((reason) => attemptAbort.abort(reason));
      try {
        const value = await attempt(adapter, step.request, attemptAbort.signal);
        breaker.success();
        return { value, attempts: n + 1 };
      } catch (e) {
        // On success the link stays: a stream keeps reading after this returns, and the
        // caller leaving must still abort it.
        unlink?.();
        if (cancel?.aborted) {
          breaker.release(); // the caller left; says nothing about the provider
          throw new GatewayError('BAD_REQUEST', 'Request aborted by the client', { status: 499, cause: e });
        }
        if (why === DEADLINE) {
          breaker.release();
          throw deadlineError();
        }
        const upstream = why === PROVIDER_TIMEOUT ? new UpstreamError('timeout', `${name} did not answer within ${providerMs} ms`) : e;
        if (countsAgainstProvider(upstream)) breaker.failure();
        else breaker.success();
        if (n < this.retry.maxRetries && isRetryable(upstream)) {
          const delay = backoffDelayMs(n, this.retry, upstream instanceof UpstreamError ? upstream.retryAfter : undefined);
          // A wait the deadline would cut short is not worth starting.
          if (deadline && performance.now() + delay >= deadline.at) throw toProviderError(name, upstream);
          this.logger.debug('retrying provider call', { provider: name, attempt: n + 1, delayMs: delay });
          await sleep(delay, cancel?.signal);
          continue;
        }
        throw toProviderError(name, upstream);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** Failures that another provider might not have: not the caller's request, deadline or departure. */
function fallsOver(err: GatewayError): boolean {
  return !['PROVIDER_BAD_REQUEST', 'UNKNOWN_PROVIDER', 'DEADLINE_EXCEEDED', 'VALIDATION_ERROR', 'UNSUPPORTED_FEATURE'].includes(err.code);
}

function countsAgainstProvider(e: unknown): boolean {
  if (!(e instanceof UpstreamError)) return true;
  if (e.kind === 'http') return e.status === undefined || e.status >= 500;
  return e.kind !== 'aborted';
}

/** Maps an upstream failure to the caller-facing error; never includes keys or stacks. */
export function toProviderError(provider: string, e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  if (!(e instanceof UpstreamError)) return new GatewayError('PROVIDER_ERROR', `${provider} failed unexpectedly`, { cause: e });
  const details = { provider, ...(e.status !== undefined ? { upstream_status: e.status } : {}) };
  switch (e.kind) {
    case 'timeout':
      return new GatewayError('PROVIDER_TIMEOUT', `${provider} timed out`, { details });
    case 'network':
      return new GatewayError('PROVIDER_ERROR', `${provider} could not be reached`, { details });
    case 'malformed':
      return new GatewayError('PROVIDER_ERROR', `${provider} sent a response that could not be read`, { details });
    case 'aborted':
      return new GatewayError('PROVIDER_TIMEOUT', `${provider} call was aborted`, { details });
    case 'http':
      if (e.status === 401 || e.status === 403) {
        return new GatewayError('PROVIDER_AUTH_FAILED', `${provider} rejected the configured API key`, { details });
      }
      if (e.status === 429) {
        return new GatewayError('PROVIDER_RATE_LIMITED', `${provider} rate limit reached`, { retryAfter: e.retryAfter ?? 1, details });
      }
      if (e.status !== undefined && e.status >= 400 && e.status < 500) {
        return new GatewayError('PROVIDER_BAD_REQUEST', `${provider} rejected the request: ${e.message}`, { details });
      }
      return new GatewayError('PROVIDER_ERROR', `${provider} returned an error${e.status ? ` (${e.status})` : ''}`, { details });
  }
}
