import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderRouter } from '../../src/gateway/provider-router.js';
import { RateLimiter } from '../../src/gateway/rate-limiter.js';
import { MemoryStore } from '../../src/kv/memory.js';
import { createLogger } from '../../src/logger.js';
import type { ProviderAdapter } from '../../src/providers/types.js';

afterEach(() => vi.useRealTimers());

describe('provider router and lazily loaded adapters', () => {
  it("does not time an adapter's SDK loading against the provider", async () => {
    vi.useFakeTimers();
    let loaded!: () => void;
    const loading = new Promise<void>((resolve) => (loaded = resolve));
    const signals: AbortSignal[] = [];
    const adapter = {
      name: 'slowload',
      isConfigured: () => true,
      ready: () => loading,
      chat: async (_r: unknown, o: { signal: AbortSignal }) => {
        signals.push(o.signal);
        return 'answer';
      },
    } as unknown as ProviderAdapter;
    const router = new ProviderRouter(
      new Map([['slowload', adapter]]),
      { providers: {} as never, requestTimeoutMs: 1000, maxRetries: 2, breakerFailureThreshold: 1, breakerCooldownMs: 60_000 },
      new RateLimiter(new MemoryStore()),
      createLogger('error', () => {}),
    );
    const run = router.run([{ provider: 'slowload', model: 'm', request: {} }], (a, req, signal) => a.chat(req as never, { signal }) as never);
    // Loading takes five times the provider's timeout: no attempt has started, so none timed out.
    await vi.advanceTimersByTimeAsync(5000);
    expect(signals).toEqual([]);
    loaded();
    await expect(run).resolves.toMatchObject({ value: 'answer', provider: 'slowload', attempts: 1 });
    expect(signals.map((s) => s.aborted)).toEqual([false]);
    expect(router.breaker('slowload').retryAfterSeconds()).toBe(0);
  });
});
