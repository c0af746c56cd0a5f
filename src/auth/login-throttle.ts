// Failed-login counters per username and per client address in the shared kv layer, so
// every instance enforces one limit. Counters are fixed windows of windowSeconds; a success
// clears the username's count. Memory stays bounded: each counter expires with its window,
// and the memory store keeps a bounded number of keys. When the kv layer is unreachable the
// throttle lets logins through, as the other limits do.
import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { KeyValueStore } from '../kv/types.js';

export interface LoginThrottleOptions {
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

function hashed(value: string) {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

export class LoginThrottle {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: LoginThrottleOptions,
  ) {}

  private keys(username: string, ip: string) {
    const window = Math.floor(Date.now() / 1000 / this.options.windowSeconds);
    return { user: `login:fail:u:${hashed(username)}:${window}`, ip: `login:fail:ip:${hashed(ip)}:${window}`, window };
  }

  /** Throws RATE_LIMITED (429, Retry-After: the window's end) once either count reached its limit. */
  async check(username: string, ip: string): Promise<void> {
    const keys = this.keys(username, ip);
    let counts: (string | null)[];
    try {
      counts = await this.kv.mget([keys.user, keys.ip]);
    } catch {
      return;
    }
    const byUser = Number(counts[0] ?? 0) >= this.options.maxFailuresPerUser;
    const byIp = Number(counts[1] ?? 0) >= this.options.maxFailuresPerIp;
    if (!byUser && !byIp) return;
    const windowEnd = (keys.window + 1) * this.options.windowSeconds;
    throw new GatewayError('RATE_LIMITED', `Too many failed logins ${byUser ? 'for this username' : 'from this address'}; retry later`, {
      retryAfter: Math.max(1, Math.ceil(windowEnd - Date.now() / 1000)),
    });
  }

  async failed(username: string, ip: string): Promise<void> {
    const keys = this.keys(username, ip);
    const ttl = this.options.windowSeconds;
    await Promise.all([this.kv.incr(keys.user, 1, ttl), this.kv.incr(keys.ip, 1, ttl)]).catch(() => {});
  }

  async succeeded(username: string): Promise<void> {
    await this.kv.del([this.keys(username, '').user]).catch(() => {});
  }
}
