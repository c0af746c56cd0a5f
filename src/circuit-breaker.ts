// A consecutive-failure circuit breaker, used per provider (gateway/provider-router.ts)
// and for Redis (kv/redis.ts): opens after `threshold` consecutive failures, lets one
// probe through after the cool-down (half-open), closes on a success. A call whose
// outcome says nothing about the dependency (the caller left; a timeout caused by our
// own blocked event loop) ends with release(): no verdict, and a half-open breaker
// lets the next probe through.

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Seconds until a probe is allowed (0 when calls may go through). */
  retryAfterSeconds(): number {
    return this.state === 'open' ? Math.ceil((this.cooldownMs - (this.now() - this.openedAt)) / 1000) : 0;
  }

  /** True when a call may go through now; in half-open only one probe at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  success() {
    this.failures = 0;
    this.probing = false;
  }

  /** The call ended without saying anything about the dependency. */
  release() {
    this.probing = false;
  }

  /** The dependency is known to be back (e.g. a reconnect): close now. */
  reset() {
    this.failures = 0;
    this.probing = false;
  }

  failure() {
    this.probing = false;
    this.failures++;
    if (this.failures >= this.threshold) this.openedAt = this.now();
  }
}
