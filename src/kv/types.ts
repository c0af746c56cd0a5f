// What several gateway instances must share (cache entries, counters, locks,
// stream events) goes through this interface: Redis in production, memory when
// REDIS_URL is unset. Callers treat every method as fallible (Redis may be down).

export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets only when absent (a lock); ttl in milliseconds. True when this caller set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes key only while it still holds value (releasing one's own lock). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Reads key; when it is absent, takes lockKey (set to token for ttlMs) if it is free, and
   * when another holds it, marks that someone waits for key (`<lockKey>:waited`). One atomic
   * step, so a cache miss and the election of the request that fills it cost one round trip.
   * A lock already holding token counts as taken (the same call repeated).
   */
  getOrLock(key: string, lockKey: string, token: string, ttlMs: number): Promise<{ value: string } | { value: null; locked: boolean }>;
  /**
   * Sets key (ttl in seconds; 0: none) and releases lockKey if it still holds token, in one
   * atomic step. True when someone found the lock held meanwhile (getOrLock) and waits for key.
   */
  setAndUnlock(key: string, value: string, ttlSeconds: number, lockKey: string, token: string): Promise<boolean>;
  del(keys: string[]): Promise<number>;
  /** Atomic increment; the ttl is set when the counter is created. Returns the new value and the ttl left (seconds). */
  incr(key: string, by?: number, ttlSeconds?: number): Promise<{ value: number; ttlSeconds: number }>;
  /**
   * Increments several integer counters at once, only if every one stays within its limit
   * (all or none, atomically: a Lua script on Redis). A counter marked requireSeed that does
   * not exist yet is set to its seed first; without a seed the call changes nothing and
   * names the missing counters (the caller reads their values elsewhere and calls again).
   */
  incrWithinLimits(counters: LimitedCounter[]): Promise<LimitedIncrResult>;
  /** Adds to several integer counters (settling reservations), or gives slots back; the ttl is set on each. Returns the new values. */
  incrMany(counters: SettledCounter[]): Promise<number[]>;
  /** Atomic increments of several fields of one hash (shared statistics). */
  hincr(key: string, fields: Record<string, number>): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  sadd(key: string, members: string[]): Promise<void>;
  srem(key: string, members: string[]): Promise<void>;
  smembers(key: string): Promise<string[]>;
  /** Lists keys matching a glob pattern in batches (SCAN, never KEYS). */
  scan(pattern: string, batch?: number): AsyncIterable<string[]>;
  ping(): Promise<number>;
  /** Memory the store uses and may use (Redis INFO memory; the heap limit for memory). */
  memoryUsage(): Promise<{ usedBytes: number; totalBytes: number }>;
  status(): KvStatus;
  close(): Promise<void>;
}

export interface LimitedCounter {
  key: string;
  /** Integer to add. */
  by: number;
  /** The counter may not pass it; null: no limit (the counter is still incremented). */
  limit: number | null;
  /** Set (again) on every increment; 0 keeps the counter forever. */
  ttlSeconds: number;
  /** Its starting value must come from elsewhere (spend recorded in the database). */
  requireSeed?: boolean;
  seed?: number;
  /**
   * Counts slots rather than a number: the counter is a set of slots that each end
   * ttlSeconds after they were taken (so one never given back ends by itself); `by` is 1.
   */
  slot?: string;
}

export interface SettledCounter {
  key: string;
  by: number;
  ttlSeconds: number;
  /** Gives this slot back (a LimitedCounter with `slot`) instead of adding `by`. */
  slot?: string;
}

export type LimitedIncrResult =
  | { ok: true; values: number[] }
  /** Counter `index` holds `value`, and adding to it would pass its limit; `ttlSeconds` is its ttl left. */
  | { ok: false; index: number; value: number; ttlSeconds: number }
  | { ok: false; missing: number[] };

export interface KvStatus {
  kind: 'redis' | 'memory';
  connected: boolean;
  /** Redis circuit breaker state; memory is always closed. */
  breaker: 'closed' | 'open' | 'half-open';
  lastError?: string;
}

export interface PubSub {
  publish(channel: string, payload: unknown): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(channel: string, handler: (payload: unknown) => void): Promise<() => void>;
  /**
   * Tells handler when delivery stops (false: the subscriber connection is gone, and what
   * is published meanwhile is lost to this instance) and when it is back (true). The
   * returned function stops the calls.
   */
  onDeliveryChange(handler: (delivering: boolean) => void): () => void;
  close(): Promise<void>;
}

/** Thrown by the Redis store while it is unreachable or its breaker is open. */
export class KvUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvUnavailableError';
  }
}
