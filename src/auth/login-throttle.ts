// Failed-login counters per username and per client address in the shared kv layer, so
// every instance enforces one limit. An attempt is counted when it starts (parallel guesses
// cannot slip past the limit) and taken back when it did not fail on the password. A
// success clears the username's count. Each counter lives for one window from its first
// failure; the memory store bounds how many it keeps. When the kv layer is unreachable the
// throttle lets logins through, as the other limits do.
import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { KeyValueStore } from '../kv/types.js';

export interface LoginThrottleOptions {
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

export interface LoginAttempt {
  /** The password was right: the username's failures are forgotten, this attempt is not one. */
  succeeded(): void;
  /** The attempt ended without checking the password (database down, queue full). */
  abandoned(): void;
}

function hashed(value: string) {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

export class LoginThrottle {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: LoginThrottleOptions,
  ) {}

  /** Counts an attempt for username from ip; throws RATE_LIMITED (429, Retry-After) past either limit. */
  async begin(username: string, ip: string): Promise<LoginAttempt> {
    const userKey = `login:fail:u:${hashed(username)}`;
    const ipKey = `login:fail:ip:${hashed(ip)}`;
    const { windowSeconds } = this.options;
    const [user, address] = await Promise.all([this.count(userKey, 1), this.count(ipKey, 1)]);
    const undo = (key: string, counted: unknown) => {
      if (counted) void this.count(key, -1);
    };
    const refuse = (counted: { value: number; ttlSeconds: number } | null, max: number) => counted !== null && counted.value > max;
    if (refuse(user, this.options.maxFailuresPerUser) || refuse(address, this.options.maxFailuresPerIp)) {
      undo(userKey, user);
      undo(ipKey, address);
      const byUser = refuse(user, this.options.maxFailuresPerUser);
      const ttl = (byUser ? user : address)!.ttlSeconds;
      throw new GatewayError('RATE_LIMITED', `Too many failed logins ${byUser ? 'for this username' : 'from this address'}; retry later`, {
        retryAfter: ttl > 0 ? ttl : windowSeconds,
      });
    }
    return {
      succeeded: () => {
        this.kv.del([userKey]).catch(() => {});
        undo(ipKey, address);
      },
      abandoned: () => {
        undo(userKey, user);
        undo(ipKey, address);
      },
    };
  }

  private async count(key: string, by: number): Promise<{ value: number; ttlSeconds: number } | null> {
    try {
      return await this.kv.incr(key, by, this.options.windowSeconds);
    } catch {
      return null; // kv unreachable: not counted
    }
  }
}
