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
  timeoutMs?: number;
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

export type Attempt<T> = (adapter: ProviderAdapter, model: string, signal: AbortSignal) => Promise<T>;

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
   * Tries each provider of the chain in turn. The first gets `model`; fallbacks
   * get their own default model. Errors that are the caller's fault (a bad
   * request, a client that went away) do not fall over.
   */
  async run<T>(chain: { provider: string; model: string }[], attempt: Attempt<T>, options: RouteOptions = {}): Promise<Routed<T>> {
    const failedOver: string[] = [];
    let lastError: GatewayError | undefined;
    for (const [i, step] of chain.entries()) {
      try {
        const { value, attempts } = await this.runOne(step.provider, step.model, attempt, options);
        return { value, provider: step.provider, model: step.model, attempts, failedOver };
      } catch (e) {
        const err = e instanceof GatewayError ? e : new GatewayError('PROVIDER_ERROR', `${step.provider} failed`, { cause: e });
        if (options.cancel?.aborted || err.code === 'PROVIDER_BAD_REQUEST' || err.code === 'UNKNOWN_PROVIDER' || i === chain.length - 1) throw err;
        this.logger.warn('provider failed, falling back', { provider: step.provider, next: chain[i + 1]!.provider, code: err.code });
        failedOver.push(step.provider);
        lastError = err;
      }
    }
    throw lastError ?? new GatewayError('PROVIDER_ERROR', 'No provider to call');
  }

  private async runOne<T>(name: string, model: string, attempt: Attempt<T>, options: RouteOptions): Promise<{ value: T; attempts: number }> {
    const adapter = this.adapter(name);
    if (!adapter.isConfigured()) {
      throw new GatewayError('PROVIDER_UNCONFIGURED', `Provider ${name} is not configured: set ${name.toUpperCase()}_API_KEY`);
    }
    await this.limiter.consume(`provider:${name}`, this.config.providers[name as keyof Config['providers']]?.rateLimit, `provider ${name}`);
    const breaker = this.breaker(name);
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    for (let n = 0; ; n++) {
      if (!breaker.tryAcquire()) {
        throw new GatewayError('PROVIDER_UNAVAILABLE', `Provider ${name} is failing; calls are paused (circuit open)`, {
          retryAfter: Math.max(1, breaker.retryAfterSeconds()),
        });
      }
      // One controller per attempt, aborted by our timeout or by the caller leaving (a
      // listener, not a second signal: see ../cancellation.ts).
      const attemptAbort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attemptAbort.abort(new Error('timeout'));
      }, timeoutMs);
      const unlink = options.cancel?.onAbort((reason) => attemptAbort.abort(reason));
      try {
        const value = await attempt(adapter, model, attemptAbort.signal);
        breaker.success();
        return { value, attempts: n + 1 };
      } catch (e) {
        // On success the link stays: a stream keeps reading after this returns, and the
        // caller leaving must still abort it.
        unlink?.();
        const upstream = timedOut && !options.cancel?.aborted ? new UpstreamError('timeout', `${name} did not answer within ${timeoutMs} ms`) : e;
        if (options.cancel?.aborted) {
          breaker.release(); // the caller left; says nothing about the provider
          throw new GatewayError('BAD_REQUEST', 'Request aborted by the client', { status: 499, cause: e });
        }
        if (countsAgainstProvider(upstream)) breaker.failure();
        else breaker.success();
        if (n < this.retry.maxRetries && isRetryable(upstream)) {
          const delay = backoffDelayMs(n, this.retry, upstream instanceof UpstreamError ? upstream.retryAfter : undefined);
          this.logger.debug('retrying provider call', { provider: name, attempt: n + 1, delayMs: delay });
          await sleep(delay, options.cancel?.signal);
          continue;
        }
        throw toProviderError(name, upstream);
      } finally {
        clearTimeout(timer);
      }
    }
  }
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
