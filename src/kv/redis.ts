// Redis through ioredis, with short command timeouts, no offline queue (a
// command while disconnected fails at once) and a circuit breaker so a dead
// Redis costs callers nothing while it stays dead. ioredis keeps reconnecting
// in the background; the first command that succeeds closes the breaker.
import { CircuitBreaker } from '../circuit-breaker.js';
import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { KvUnavailableError, type KeyValueStore, type KvStatus, type LimitedCounter, type LimitedIncrResult, type PubSub, type SettledCounter } from './types.js';

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** Consecutive failures that open the breaker. */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
}

export function redisClientOptions(commandTimeoutMs: number): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep retrying forever, at most every 2 s: a Redis down at start comes back by itself.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: false,
  };
}

const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {v, redis.call('TTL', KEYS[1])}`;

const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

// {1, value} when KEYS[1] exists; else {0, 1} when the lock KEYS[2] was free and is now ARGV[1]'s
// (PX ARGV[2]) or already was (the same call sent again), or {0, 0} when another holds it
// (KEYS[3] then says someone waits).
const GET_OR_LOCK = `
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {0, 1} end
if redis.call('GET', KEYS[2]) == ARGV[1] then return {0, 1} end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {0, 0}`;

// SET KEYS[1] ARGV[1] (EX ARGV[2] when > 0), DEL the lock KEYS[2] if it still holds ARGV[3];
// returns whether someone waited (KEYS[3], cleared).
const SET_AND_UNLOCK = `
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) else redis.call('SET', KEYS[1], ARGV[1]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return redis.call('DEL', KEYS[3])`;

// ARGV per counter: by, limit (-1: none), ttl (0: none), requireSeed (0/1), seed ('' : none),
// slot ('' : none). A counter with a slot is a sorted set of slots that each end at their own
// time (score): ended slots are dropped before counting, so a slot never given back (its
// instance died) ends by itself. Returns {0, values...}, {-1, index (1-based), value, ttl}
// past a limit, or {-2, missing...}.
const INCR_WITHIN_LIMITS = `
local n = #KEYS
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local missing = {}
for i = 1, n do
  local a = (i - 1) * 6
  if ARGV[a + 4] == '1' and redis.call('EXISTS', KEYS[i]) == 0 then
    if ARGV[a + 5] == '' then
      missing[#missing + 1] = i
    else
      redis.call('SET', KEYS[i], ARGV[a + 5])
      if tonumber(ARGV[a + 3]) > 0 then redis.call('EXPIRE', KEYS[i], ARGV[a + 3]) end
    end
  end
end
if #missing > 0 then
  table.insert(missing, 1, -2)
  return missing
end
local current = {}
for i = 1, n do
  local a = (i - 1) * 6
  local v
  if ARGV[a + 6] ~= '' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    v = redis.call('ZCARD', KEYS[i])
  else
    v = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  current[i] = v
  local limit = tonumber(ARGV[a + 2])
  if limit >= 0 and v + tonumber(ARGV[a + 1]) > limit then
    return {-1, i, v, redis.call('TTL', KEYS[i])}
  end
end
local out = {0}
for i = 1, n do
  local a = (i - 1) * 6
  local ttl = tonumber(ARGV[a + 3])
  if ARGV[a + 6] ~= '' then
    redis.call('ZADD', KEYS[i], now + ttl * 1000, ARGV[a + 6])
    out[i + 1] = redis.call('ZCARD', KEYS[i])
  else
    out[i + 1] = redis.call('INCRBY', KEYS[i], ARGV[a + 1])
  end
  if ttl > 0 then redis.call('EXPIRE', KEYS[i], ttl) end
end
return out`;

// ARGV per counter: by, ttl (0: none; EXPIRE 0 would delete the counter), slot ('' : none;
// else the slot is removed). Returns the new values.
const INCR_MANY = `
local out = {}
for i = 1, #KEYS do
  local a = (i - 1) * 3
  if ARGV[a + 3] ~= '' then
    redis.call('ZREM', KEYS[i], ARGV[a + 3])
    out[i] = redis.call('ZCARD', KEYS[i])
  else
    out[i] = redis.call('INCRBY', KEYS[i], ARGV[a + 1])
    if tonumber(ARGV[a + 2]) > 0 then redis.call('EXPIRE', KEYS[i], ARGV[a + 2]) end
  end
end
return out`;

const LAG_PROBE_MS = 10;

export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly breaker: CircuitBreaker;
  private lastError?: string;

  /** Event-loop lag probe: a command "timing out" while our own loop was blocked is not Redis's fault. */
  private lastTick = performance.now();
  private maxLagMs = 0;
  private lagWindowStart = performance.now();
  private readonly lagProbe: NodeJS.Timeout;

  constructor(private readonly options: RedisStoreOptions) {
    this.client = new Redis(options.url, redisClientOptions(options.commandTimeoutMs));
    this.lagProbe = setInterval(() => {
      const now = performance.now();
      const lag = now - this.lastTick - LAG_PROBE_MS;
      this.lastTick = now;
      if (now - this.lagWindowStart > 1_000) {
        this.maxLagMs = lag;
        this.lagWindowStart = now;
      } else if (lag > this.maxLagMs) this.maxLagMs = lag;
    }, LAG_PROBE_MS);
    this.lagProbe.unref();
    this.breaker = new CircuitBreaker(options.breakerThreshold ?? 3, options.breakerCooldownMs ?? 1_000);
    this.client.on('error', (e: Error) => {
      this.lastError = e.message;
    });
    this.client.on('ready', () => this.breaker.reset());
  }

  /** Resolves when connected or after timeoutMs, whichever is first; never rejects. */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  private k(key: string) {
    return this.options.keyPrefix + key;
  }

  /**
   * Runs one command under the breaker. A command that "timed out" only because this
   * process's event loop was blocked (its reply may well be sitting unread in the socket)
   * is sent once more when repeating it is harmless (`idempotent`), so a hiccup of ours
   * does not turn a cache hit into a miss.
   */
  private async run<T>(fn: (c: Redis) => Promise<T>, idempotent = false): Promise<T> {
    if (!this.breaker.tryAcquire()) throw new KvUnavailableError(`redis unavailable (breaker open): ${this.lastError ?? 'unknown'}`);
    if (this.client.status !== 'ready') {
      this.fail(`redis not connected (${this.client.status})`);
      throw new KvUnavailableError(this.lastError!);
    }
    try {
      const r = await fn(this.client);
      this.breaker.success();
      return r;
    } catch (e) {
      const message = (e as Error).message;
      // A timeout while this process's event loop was itself late says nothing about Redis.
      if (/timed out/i.test(message) && this.recentLoopDelayMs() >= this.options.commandTimeoutMs / 2) {
        this.breaker.release();
        if (idempotent) return this.run(fn);
      } else this.fail(message);
      throw new KvUnavailableError(`redis command failed: ${message}`);
    }
  }

  /** Largest event-loop lag over about the last second, including a block still in progress, in ms. */
  private recentLoopDelayMs(): number {
    return Math.max(this.maxLagMs, performance.now() - this.lastTick - LAG_PROBE_MS);
  }

  private fail(message: string) {
    this.lastError = message;
    this.breaker.failure();
  }

  get(key: string) {
    return this.run((c) => c.get(this.k(key)), true);
  }
  mget(keys: string[]) {
    if (keys.length === 0) return Promise.resolve([]);
    return this.run((c) => c.mget(keys.map((k) => this.k(k))), true);
  }
  async set(key: string, value: string, ttlSeconds?: number) {
    await this.run((c) => (ttlSeconds ? c.set(this.k(key), value, 'EX', ttlSeconds) : c.set(this.k(key), value)), true);
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.run((c) => c.set(this.k(key), value, 'PX', ttlMs, 'NX'))) === 'OK';
  }
  async deleteIfEquals(key: string, value: string) {
    return (await this.run((c) => c.eval(DELETE_IF_EQUALS, 1, this.k(key), value))) === 1;
  }
  async getOrLock(key: string, lockKey: string, token: string, ttlMs: number) {
    // Sent again, the script finds its own lock and answers the same: a read that timed out
    // only because this process's event loop was blocked is repeated, as get's is.
    const keys = [this.k(key), this.k(lockKey), this.k(`${lockKey}:waited`)];
    const [found, v] = (await this.run((c) => c.eval(GET_OR_LOCK, 3, ...keys, token, Math.max(1, Math.ceil(ttlMs))), true)) as [number, string | number];
    return Number(found) === 1 ? { value: String(v) } : { value: null, locked: Number(v) === 1 };
  }
  async setAndUnlock(key: string, value: string, ttlSeconds: number, lockKey: string, token: string) {
    const keys = [this.k(key), this.k(lockKey), this.k(`${lockKey}:waited`)];
    return Number(await this.run((c) => c.eval(SET_AND_UNLOCK, 3, ...keys, value, Math.max(0, Math.ceil(ttlSeconds)), token), true)) > 0;
  }
  del(keys: string[]) {
    if (keys.length === 0) return Promise.resolve(0);
    return this.run((c) => c.del(...keys.map((k) => this.k(k))), true);
  }
  async incr(key: string, by = 1, ttlSeconds = 0) {
    const [value, ttl] = (await this.run((c) => c.eval(INCR_WITH_TTL, 1, this.k(key), by, ttlSeconds))) as [number, number];
    return { value: Number(value), ttlSeconds: Number(ttl) };
  }
  async incrWithinLimits(counters: LimitedCounter[]): Promise<LimitedIncrResult> {
    if (counters.length === 0) return { ok: true, values: [] };
    const args: (string | number)[] = [];
    for (const c of counters) {
      args.push(Math.round(c.by), c.limit === null ? -1 : Math.floor(c.limit), Math.max(0, Math.ceil(c.ttlSeconds)), c.requireSeed ? '1' : '0', c.seed === undefined ? '' : Math.round(c.seed), c.slot ?? '');
    }
    // Not idempotent: a repeated script would reserve twice.
    const r = (await this.run((c) => c.eval(INCR_WITHIN_LIMITS, counters.length, ...counters.map((x) => this.k(x.key)), ...args))) as number[];
    const head = Number(r[0]);
    if (head === -2) return { ok: false, missing: r.slice(1).map((i) => Number(i) - 1) };
    if (head === -1) return { ok: false, index: Number(r[1]) - 1, value: Number(r[2]), ttlSeconds: Number(r[3]) };
    return { ok: true, values: r.slice(1).map(Number) };
  }
  async incrMany(counters: SettledCounter[]) {
    if (counters.length === 0) return [];
    const args = counters.flatMap((x) => [Math.round(x.by), Math.max(0, Math.ceil(x.ttlSeconds)), x.slot ?? '']);
    const r = (await this.run((c) => c.eval(INCR_MANY, counters.length, ...counters.map((x) => this.k(x.key)), ...args))) as number[];
    return r.map(Number);
  }
  async hincr(key: string, fields: Record<string, number>) {
    await this.run((c) => {
      const m = c.multi();
      for (const [f, by] of Object.entries(fields)) m.hincrby(this.k(key), f, by);
      return m.exec();
    });
  }
  hgetall(key: string) {
    return this.run((c) => c.hgetall(this.k(key)), true);
  }
  async sadd(key: string, members: string[]) {
    if (members.length) await this.run((c) => c.sadd(this.k(key), ...members), true);
  }
  async srem(key: string, members: string[]) {
    if (members.length) await this.run((c) => c.srem(this.k(key), ...members), true);
  }
  smembers(key: string) {
    return this.run((c) => c.smembers(this.k(key)), true);
  }
  async *scan(pattern: string, batch = 500) {
    let cursor = '0';
    const strip = this.options.keyPrefix.length;
    do {
      const [next, keys] = await this.run((c) => c.scan(cursor, 'MATCH', this.k(pattern), 'COUNT', batch), true);
      cursor = next;
      if (keys.length) yield keys.map((k) => k.slice(strip));
    } while (cursor !== '0');
  }
  async ping() {
    const started = performance.now();
    await this.run((c) => c.ping());
    return performance.now() - started;
  }
  async memoryUsage() {
    const info = await this.run((c) => c.info('memory'));
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const max = field('maxmemory');
    return { usedBytes: field('used_memory'), totalBytes: max > 0 ? max : field('total_system_memory') };
  }
  status(): KvStatus {
    return {
      kind: 'redis',
      connected: this.client.status === 'ready',
      breaker: this.breaker.state,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
  async close() {
    clearInterval(this.lagProbe);
    this.client.disconnect();
  }
}

/** Pub/sub through graphql-redis-subscriptions, on its own pair of connections. */
export class RedisPubSubAdapter implements PubSub {
  private readonly engine: RedisPubSub;
  private readonly delivery = new EventEmitter();

  constructor(url: string, private readonly prefix: string, commandTimeoutMs: number) {
    const options = { ...redisClientOptions(commandTimeoutMs), enableOfflineQueue: true, commandTimeout: Math.max(commandTimeoutMs, 1_000) };
    const publisher = new Redis(url, options);
    const subscriber = new Redis(url, options);
    publisher.on('error', () => {});
    subscriber.on('error', () => {});
    // graphql-redis-subscriptions drops the promises of the UNSUBSCRIBE and PUNSUBSCRIBE it
    // sends: a command that times out (or a connection that closes) while Redis does not
    // answer would be an unhandled rejection, which ends the process. Handled here: the
    // library has already forgotten the channel, so anything still delivered on it is ignored.
    for (const method of ['unsubscribe', 'punsubscribe'] as const) {
      const send = subscriber[method].bind(subscriber) as (...args: unknown[]) => Promise<unknown>;
      (subscriber as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const sent = send(...args);
        sent.catch(() => {});
        return sent;
      };
    }
    // 'close' repeats while reconnecting. 'ready' comes just before ioredis subscribes to the
    // channels again: a listener that must miss nothing confirms with a message of its own.
    let delivering = false;
    const change = (now: boolean) => {
      if (now === delivering) return;
      delivering = now;
      this.delivery.emit('change', now);
    };
    subscriber.on('ready', () => change(true));
    subscriber.on('close', () => change(false));
    this.delivery.setMaxListeners(0);
    this.engine = new RedisPubSub({ publisher, subscriber });
  }
  onDeliveryChange(handler: (delivering: boolean) => void) {
    this.delivery.on('change', handler);
    return () => {
      this.delivery.off('change', handler);
    };
  }
  async publish(channel: string, payload: unknown) {
    await this.engine.publish(this.prefix + channel, payload);
  }
  async subscribe(channel: string, handler: (payload: unknown) => void) {
    const name = this.prefix + channel;
    const subscribing = this.engine.subscribe(name, handler);
    // The library also keeps the SUBSCRIBE's outcome in a promise of its own, for other
    // subscribers to the same channel; with none, its failure would go unhandled (see the
    // constructor). Its outcome is `subscribing`'s, which the caller gets.
    const pending = (this.engine as unknown as { subsPendingRefsMap?: Map<string, { pending?: { catch?(f: () => void): unknown } }> }).subsPendingRefsMap;
    pending?.get(name)?.pending?.catch?.(() => {});
    const id = await subscribing;
    return () => this.engine.unsubscribe(id);
  }
  async close() {
    this.engine.getPublisher().disconnect();
    this.engine.getSubscriber().disconnect();
  }
}
