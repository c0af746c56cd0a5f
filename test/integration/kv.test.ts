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
const stores: [string, () => { kv: KeyValueStore; pubsub: PubSub }][] = [
  ['memory', () => ({ kv: new MemoryStore(1000), pubsub: new MemoryPubSub() })],
  ['redis', () => ({ kv: new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 500 }), pubsub: new RedisPubSubAdapter(TEST_REDIS_URL, prefix, 500) })],
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

describe.each(stores)('%s store', (_name, make) => {
  const { kv, pubsub } = make();
  afterAll(async () => {
    await pubsub.close();
    await kv.close();
  });

  it('gets, sets with TTL, and expires', async () => {
    await ready(kv);
    await kv.set('a', '1', 1);
    await kv.set('b', '2');
    expect(await kv.mget(['a', 'b', 'zz'])).toEqual(['1', '2', null]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await kv.get('a')).toBeNull();
    expect(await kv.get('b')).toBe('2');
    expect(await kv.del(['b', 'zz'])).toBe(1);
  });

  it('counts atomically with a TTL set at creation', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => kv.incr('ctr', 1, 60)));
    expect(results.map((r) => r.value).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const last = await kv.incr('ctr', 5, 60);
    expect(last.value).toBe(25);
    expect(last.ttlSeconds).toBeGreaterThan(50);
    await kv.hincr('h', { hits: 2, misses: 1 });
    await kv.hincr('h', { hits: 1 });
    expect(await kv.hgetall('h')).toEqual({ hits: '3', misses: '1' });
  });

  it('takes a lock once and releases only its own', async () => {
    expect(await kv.setIfAbsent('lock', 'me', 5000)).toBe(true);
    expect(await kv.setIfAbsent('lock', 'you', 5000)).toBe(false);
    expect(await kv.deleteIfEquals('lock', 'you')).toBe(false);
    expect(await kv.deleteIfEquals('lock', 'me')).toBe(true);
    expect(await kv.setIfAbsent('lock', 'you', 5000)).toBe(true);
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
    const off = await pubsub.subscribe('chan', (m) => got.push(m));
    await pubsub.publish('chan', { n: 1 });
    await pubsub.publish('chan', { n: 2 });
    for (let i = 0; i < 40 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
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
    const started = performance.now();
    for (let i = 0; i < 5; i++) await expect(kv.get('k')).rejects.toThrow(/redis/);
    expect(performance.now() - started).toBeLessThan(1000);
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
      const pending = kv.incr('lagged').catch((e: Error) => e); // not repeatable: fails, and is not blamed on Redis
      const until = performance.now() + 120;
      while (performance.now() < until) {
        // block the event loop past the command timeout
      }
      if ((await pending) instanceof Error) timeouts++;
    }
    // With a threshold of 1, a single timeout blamed on Redis would have opened the breaker.
    expect(timeouts).toBeGreaterThan(0);
    expect(kv.status().breaker).toBe('closed');
    expect(Number(await kv.get('lagged'))).toBeGreaterThan(0);
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
      await expect(pubsub.subscribe('b', () => {})).rejects.toThrow(/timed out/i);
      unsubscribe();
      await new Promise((r) => setTimeout(r, 1_500)); // past the UNSUBSCRIBE's timeout
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
