import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/circuit-breaker.js';
import { backoffDelayMs, isRetryable } from '../../src/gateway/retry.js';
import { toProviderError } from '../../src/gateway/provider-router.js';
import { UpstreamError } from '../../src/providers/types.js';

describe('circuit breaker', () => {
  it('opens after the threshold, half-opens after the cool-down for one probe, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryAfterSeconds()).toBe(1);
    now = 1000;
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('reopens when the half-open probe fails', () => {
    let now = 0;
    const b = new CircuitBreaker(1, 500, () => now);
    b.failure();
    now = 600;
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    now = 1000;
    expect(b.state).toBe('open');
    now = 1100;
    expect(b.state).toBe('half-open');
  });
});

describe('circuit breaker without a verdict', () => {
  it('release() ends a half-open probe without closing or reopening; the next probe may go', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 1000, () => now);
    b.failure();
    b.failure();
    now = 1000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.release();
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
  });

  it('release() while closed changes nothing, reset() closes an open breaker at once', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 1000, () => now);
    b.failure();
    b.release();
    b.failure();
    expect(b.state).toBe('open');
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });
});

describe('retry policy', () => {
  const policy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 2000 };
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelayMs(0, policy, undefined, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, policy, undefined, () => 0.999)).toBe(799);
    expect(backoffDelayMs(10, policy, undefined, () => 0.9995)).toBe(1999);
    expect(backoffDelayMs(2, policy, undefined, () => 0)).toBe(0);
  });
  it('honours Retry-After, capped by the policy', () => {
    expect(backoffDelayMs(0, policy, 1)).toBe(1000);
    expect(backoffDelayMs(0, policy, 60)).toBe(2000);
  });
  it('retries 429, 5xx, network and timeouts only', () => {
    expect(isRetryable(new UpstreamError('http', 'x', 429))).toBe(true);
    expect(isRetryable(new UpstreamError('http', 'x', 503))).toBe(true);
    expect(isRetryable(new UpstreamError('network', 'x'))).toBe(true);
    expect(isRetryable(new UpstreamError('timeout', 'x'))).toBe(true);
    expect(isRetryable(new UpstreamError('http', 'x', 400))).toBe(false);
    expect(isRetryable(new UpstreamError('http', 'x', 401))).toBe(false);
    expect(isRetryable(new UpstreamError('aborted', 'x'))).toBe(false);
  });
});

describe('upstream error mapping', () => {
  it('gives each failure its gateway code and status', () => {
    const cases: [UpstreamError, string, number][] = [
      [new UpstreamError('http', 'bad key', 401), 'PROVIDER_AUTH_FAILED', 502],
      [new UpstreamError('http', 'slow down', 429, 7), 'PROVIDER_RATE_LIMITED', 429],
      [new UpstreamError('http', 'invalid model', 404), 'PROVIDER_BAD_REQUEST', 400],
      [new UpstreamError('http', 'boom', 500), 'PROVIDER_ERROR', 502],
      [new UpstreamError('timeout', 'slow'), 'PROVIDER_TIMEOUT', 504],
      [new UpstreamError('network', 'refused'), 'PROVIDER_ERROR', 502],
      [new UpstreamError('malformed', 'garbage'), 'PROVIDER_ERROR', 502],
    ];
    for (const [e, code, status] of cases) {
      const g = toProviderError('openai', e);
      expect([g.code, g.status]).toEqual([code, status]);
    }
    expect(toProviderError('openai', new UpstreamError('http', 'slow down', 429, 7)).retryAfter).toBe(7);
  });
});
