// The shared-state interface behaves the same on Redis and in memory, and a
// Redis that is down fails fast instead of hanging callers.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryPubSub, MemoryStore } from '../../src/kv/memory.js';
import { RedisPubSubAdapter, RedisStore } from '../../src/kv/redis.js';
import type { KeyValueStore, PubSub } from '../../src/kv/types.js';
import { deleteRedisPrefix } from '../helpers/redis.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { privateRedis } from '../helpers/redis-server.js';
import { Redis } from 'ioredis';

const prefix = `tkv${randomBytes(4).toString('hex')}:`;

interface StoreUnderTest {
  kv: KeyValueStore;
  pubsub: PubSub;
  /** Checks that key is kept for exactly `seconds` from now, and returns once the store has dropped it. */
  expire(key: string, seconds: number): Promise<void>;
  close(): Promise<void>;
}

const stores: [string, () => StoreUnderTest][] = [
  [
    'memory',
    () => {
      const clock = { t: 1_000_000 };
      const kv = new MemoryStore(1000, () => clock.t);
      return {
        kv,
        pubsub: new MemoryPubSub(),
        async expire(key, seconds) {
          const at = clock.t + seconds * 1000;
          clock.t = at - 1;
          expect(await kv.get(key)).not.toBeNull();
          clock.t = at;
        },
        async close() {},
      };
    },
  ],
  [
    'redis',
    () => {
      const admin = new Redis(TEST_REDIS_URL);
      return {
        kv: new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 500 }),
        pubsub: new RedisPubSubAdapter(TEST_REDIS_URL, prefix, 500),
        // Redis keeps time itself: the TTL it holds is checked, then brought forward, and the key's absence awaited.
        async expire(key, seconds) {
          const pttl = await admin.pttl(prefix + key);
          expect(pttl > 0 && pttl <= seconds * 1000, `PTTL ${pttl}`).toBe(true);
          await admin.pexpire(prefix + key, 1);
          for (let i = 0; i < 200 && (await admin.exists(prefix + key)); i++) await new Promise((r) => setImmediate(r));
        },
        async close() {
          admin.disconnect();
        },
      };
    },
  ],
];

async function ready(kv: KeyValueStore) {
  for (let i = 0; i < 50; i++) {
    try {
      await kv.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

afterAll(() => deleteRedisPrefix(prefix));

describe.each(stores)('%s store', (name, make) => {
  const store = make();
  const { kv, pubsub } = store;
  afterAll(async () => {
    await pubsub.close();
    await kv.close();
    await store.close();
  });

  it('gets, sets with TTL, and expires', async () => {
    await ready(kv);
    await kv.set('a', '1', 1);
    await kv.set('b', '2');
    expect(await kv.mget(['a', 'b', 'zz'])).toEqual(['1', '2', null]);
    await store.expire('a', 1);
    expect(await kv.get('a')).toBeNull();
    expect(await kv.get('b')).toBe('2');
    expect(await kv.del(['b', 'zz'])).toBe(1);
  });

  it('counts atomically with a TTL set at creation', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => kv.incr('ctr', 1, 60)));
    expect(results.map((r) => r.value).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const last = await kv.incr('ctr', 5, 60);
    expect(last.value).toBe(25);
    // Set once, at creation; Redis reports whole seconds, rounded (60 or 59 a moment later).
    expect(name === 'memory' ? [60] : [59, 60]).toContain(last.ttlSeconds);
    await kv.hincr('h', { hits: 2, misses: 1 });
    await kv.hincr('h', { hits: 1 });
    expect(await kv.hgetall('h')).toEqual({ hits: '3', misses: '1' });
  });

  it('increments counters within their limits, all or none, seeding the ones that must be seeded', async () => {
    await ready(kv);
    const counters = (by: number) => [
      { key: 'lim:a', by: 1, limit: 3, ttlSeconds: 60 },
      { key: 'lim:b', by, limit: 100, ttlSeconds: 0, requireSeed: true },
    ];
    expect(await kv.incrWithinLimits(counters(10))).toEqual({ ok: false, missing: [1] });
    expect(await kv.get('lim:a')).toBeNull(); // nothing changed
    expect(await kv.incrWithinLimits(counters(10).map((c, i) => (i === 1 ? { ...c, seed: 75 } : c)))).toEqual({ ok: true, values: [1, 85] });
    // 85 + 20 passes the second limit: refused, and the first counter is not incremented either.
    const refused = await kv.incrWithinLimits(counters(20));
    expect(refused).toMatchObject({ ok: false, index: 1, value: 85 });
    expect(await kv.mget(['lim:a', 'lim:b'])).toEqual(['1', '85']);
    // Concurrent reservations: exactly the limit's worth pass.
    const all = await Promise.all(Array.from({ length: 10 }, () => kv.incrWithinLimits(counters(1))));
    expect(all.filter((r) => r.ok)).toHaveLength(2);
    expect(await kv.mget(['lim:a', 'lim:b'])).toEqual(['3', '87']);
    // Settling: negative adjustments; a counter without a ttl keeps none (EXPIRE 0 would delete it).
    expect(await kv.incrMany([{ key: 'lim:a', by: -3, ttlSeconds: 60 }, { key: 'lim:b', by: -7, ttlSeconds: 0 }])).toEqual([0, 80]);
    expect(await kv.mget(['lim:a', 'lim:b'])).toEqual(['0', '80']);
  });

  it('counts slots that end by themselves, and gives one back by its id', async () => {
    await ready(kv);
    const take = (slot: string) => kv.incrWithinLimits([{ key: 'slots', by: 1, limit: 2, ttlSeconds: 1, slot }]);
    expect(await take('a')).toEqual({ ok: true, values: [1] });
    expect(await take('b')).toEqual({ ok: true, values: [2] });
    expect(await take('c')).toMatchObject({ ok: false, index: 0, value: 2 });
    expect(await kv.incrMany([{ key: 'slots', by: -1, ttlSeconds: 1, slot: 'a' }])).toEqual([1]);
    expect(await take('c')).toEqual({ ok: true, values: [2] });
    // Slots never given back (their instance died) end after their ttl: the store's own clock.
    await store.expire('slots', 1);
    expect(await take('d')).toEqual({ ok: true, values: [1] });
  });

  it('takes a lock once and releases only its own', async () => {
    expect(await kv.setIfAbsent('lock', 'me', 5000)).toBe(true);
    expect(await kv.setIfAbsent('lock', 'you', 5000)).toBe(false);
    expect(await kv.deleteIfEquals('lock', 'you')).toBe(false);
    expect(await kv.deleteIfEquals('lock', 'me')).toBe(true);
    expect(await kv.setIfAbsent('lock', 'you', 5000)).toBe(true);
  });

  it('reads a key or takes its lock in one step, and writes it while releasing only its own lock', async () => {
    expect(await kv.getOrLock('entry', 'entry-lock', 'me', 5000)).toEqual({ value: null, locked: true });
    // The same call repeated (a retry) answers the same, and marks no one as waiting.
    expect(await kv.getOrLock('entry', 'entry-lock', 'me', 5000)).toEqual({ value: null, locked: true });
    // Nobody else asked meanwhile: nobody waits.
    expect(await kv.setAndUnlock('entry', 'v1', 60, 'entry-lock', 'me')).toBe(false);
    expect(await kv.get('entry-lock')).toBeNull();
    expect(await kv.getOrLock('entry', 'entry-lock', 'you', 5000)).toEqual({ value: 'v1' });
    await store.expire('entry', 60);

    expect(await kv.getOrLock('entry', 'entry-lock', 'me', 5000)).toEqual({ value: null, locked: true });
    expect(await kv.getOrLock('entry', 'entry-lock', 'you', 5000)).toEqual({ value: null, locked: false });
    // Another's lock stays when the entry is written; the one waiting is said once.
    expect(await kv.setAndUnlock('entry', 'v2', 60, 'entry-lock', 'you')).toBe(true);
    expect(await kv.get('entry-lock')).toBe('me');
    expect(await kv.setAndUnlock('entry', 'v3', 60, 'entry-lock', 'me')).toBe(false);
    expect(await kv.get('entry-lock')).toBeNull();
    expect(await kv.get('entry')).toBe('v3');
  });

  it('scans by pattern in batches', async () => {
    for (let i = 0; i < 30; i++) await kv.set(`c:p1:${i}`, 'x');
    await kv.set('c:p2:0', 'y');
    const seen: string[] = [];
    for await (const batch of kv.scan('c:p1:*', 7)) seen.push(...batch);
    expect(new Set(seen).size).toBe(30);
    expect(seen.every((k) => k.startsWith('c:p1:'))).toBe(true);
  });

  it('keeps sets and delivers pub/sub messages', async () => {
    await kv.sadd('s', ['x', 'y']);
    await kv.srem('s', ['x']);
    expect(await kv.smembers('s')).toEqual(['y']);
    const got: unknown[] = [];
    let both!: () => void;
    const delivered = new Promise<void>((r) => (both = r));
    const off = await pubsub.subscribe('chan', (m) => {
      if (got.push(m) === 2) both();
    });
    await pubsub.publish('chan', { n: 1 });
    await pubsub.publish('chan', { n: 2 });
    await delivered;
    off();
    expect(got).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('memory store', () => {
  it('evicts the least recently used key past its bound', async () => {
    const kv = new MemoryStore(3);
    await kv.set('a', '1');
    await kv.set('b', '2');
    await kv.set('c', '3');
    await kv.get('a'); // a is now the most recent
    await kv.set('d', '4');
    expect(await kv.mget(['a', 'b', 'c', 'd'])).toEqual(['1', null, '3', '4']);
  });
});

describe('redis store with Redis down', () => {
  it('fails fast, opens its breaker, and reports not connected', async () => {
    const kv = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', commandTimeoutMs: 50, breakerThreshold: 2, breakerCooldownMs: 10_000 });
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push(await kv.get('k').then(() => 'answered', (e: Error) => e.message));
    // Nothing waits on a connection that is not there: the first two fail at once, then the breaker answers.
    expect(errors.slice(0, 2).every((m) => /^redis not connected/.test(m)), errors[0]).toBe(true);
    expect(errors.slice(2).every((m) => /^redis unavailable \(breaker open\)/.test(m)), errors[2]).toBe(true);
    expect(kv.status()).toMatchObject({ kind: 'redis', connected: false, breaker: 'open' });
    await kv.close();
  });
});

describe('redis store under event-loop lag', () => {
  it('does not blame Redis for timeouts caused by its own blocked event loop', async () => {
    const kv = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 50, breakerThreshold: 1, breakerCooldownMs: 10_000 });
    await ready(kv);
    let timeouts = 0;
    for (let i = 0; i < 4; i++) {
      // Blocked from the check phase, the loop's next turn runs the expired timeout before it
      // reads the reply waiting in the socket.
      await new Promise((r) => setImmediate(r));
      const pending = kv.incr('lagged').catch((e: Error) => e); // not repeatable: fails, and is not blamed on Redis
      const until = performance.now() + 120;
      while (performance.now() < until) {
        // block the event loop past the command timeout
      }
      if ((await pending) instanceof Error) timeouts++;
    }
    // Every one timed out on our side, yet Redis ran each; with a threshold of 1, a single
    // timeout blamed on Redis would have opened the breaker.
    expect(timeouts).toBe(4);
    expect(kv.status().breaker).toBe('closed');
    expect(await kv.get('lagged')).toBe('4');
    await kv.close();
  });

  it('repeats a read that timed out only because its own event loop was blocked', async () => {
    const kv = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 50, breakerThreshold: 1, breakerCooldownMs: 10_000 });
    await ready(kv);
    await kv.set('kept', 'value');
    for (let i = 0; i < 3; i++) {
      const pending = kv.get('kept').catch((e: Error) => e);
      const until = performance.now() + 120;
      while (performance.now() < until) {
        // block the event loop past the command timeout
      }
      expect(await pending).toBe('value');
    }
    // The cache's lookup (read, or take the lock) is repeated the same way: still a hit, or still the lock's holder.
    for (const [key, expected] of [['kept', { value: 'value' }], ['absent', { value: null, locked: true }]] as const) {
      const pending = kv.getOrLock(key, `${key}-lock`, 'token', 5_000).catch((e: Error) => e);
      const until = performance.now() + 120;
      while (performance.now() < until) {
        // block the event loop past the command timeout
      }
      expect(await pending).toEqual(expected);
    }
    expect(kv.status().breaker).toBe('closed');
    await kv.close();
  });
});

describe('redis pub/sub when Redis stops answering', () => {
  it('rejects a subscribe that timed out and survives an unsubscribe that timed out, with no unhandled rejection', async () => {
    const redis = await privateRedis();
    await redis.start();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const pubsub = new RedisPubSubAdapter(redis.url, 'tpause:', 200); // commands time out after 1 s
    const admin = new Redis(redis.url);
    try {
      const got: unknown[] = [];
      const unsubscribe = await pubsub.subscribe('a', (m) => got.push(m));
      await pubsub.publish('a', { n: 1 });
      await expect.poll(() => got).toEqual([{ n: 1 }]);

      await admin.call('CLIENT', 'PAUSE', '2500', 'ALL'); // every other client's commands wait
      unsubscribe();
      // Sent after the UNSUBSCRIBE on the same connection with the same timeout: once this one
      // has timed out, so has the UNSUBSCRIBE.
      await expect(pubsub.subscribe('b', () => {})).rejects.toThrow(/timed out/i);
      await admin.call('CLIENT', 'UNPAUSE');

      const later = await pubsub.subscribe('c', (m) => got.push(m));
      await pubsub.publish('c', { n: 2 });
      await expect.poll(() => got).toEqual([{ n: 1 }, { n: 2 }]);
      later();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      admin.disconnect();
      await pubsub.close();
      await redis.stop();
    }
  }, 20_000);
});
