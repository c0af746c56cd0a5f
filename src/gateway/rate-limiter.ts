// Fixed-window counters in the shared kv layer, so every instance enforces one
// limit. When the kv layer is unreachable the limiter lets requests through
// (failing open) rather than turning a Redis outage into a gateway outage.
import type { RateLimit } from '../config.js';
import { GatewayError } from '../errors.js';
import type { KeyValueStore } from '../kv/types.js';

export interface LimitState {
  limit: string;
  remaining: number;
  resetSeconds: number;
}

export class RateLimiter {
  constructor(private readonly kv: KeyValueStore) {}

  private windowKey(scope: string, rule: RateLimit) {
    const window = Math.floor(Date.now() / 1000 / rule.windowSeconds);
    return `rl:${scope}:${rule.windowSeconds}:${window}`;
  }

  /** Counts one request against the rule; throws RATE_LIMITED (429 + Retry-After) past the limit. */
  async consume(scope: string, rule: RateLimit | undefined, what: string): Promise<void> {
    if (!rule) return;
    let counted: { value: number; ttlSeconds: number };
    try {
      counted = await this.kv.incr(this.windowKey(scope, rule), 1, rule.windowSeconds);
    } catch {
      return;
    }
    if (counted.value > rule.limit) {
      const retryAfter = Math.max(1, counted.ttlSeconds > 0 ? counted.ttlSeconds : rule.windowSeconds);
      throw new GatewayError('RATE_LIMITED', `Rate limit exceeded for ${what} (${rule.text})`, { retryAfter, details: { limit: rule.text } });
    }
  }

  async state(scope: string, rule: RateLimit): Promise<LimitState> {
    const windowEnd = (Math.floor(Date.now() / 1000 / rule.windowSeconds) + 1) * rule.windowSeconds;
    let used = 0;
    try {
      used = Number((await this.kv.get(this.windowKey(scope, rule))) ?? 0);
    } catch {
      // unknown while the kv layer is down: report the full allowance
    }
    return { limit: rule.text, remaining: Math.max(0, rule.limit - used), resetSeconds: Math.max(0, Math.ceil(windowEnd - Date.now() / 1000)) };
  }
}
