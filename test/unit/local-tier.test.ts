// The in-process tier in front of Redis: its bounds and expiry, and when
// ResponseCache may fill and use it (only while it hears invalidations, and
// never with a read that began before one).
import { describe, expect, it } from 'vitest';
import { LocalTier } from '../../src/cache/local-tier.js';
import { ResponseCache, type CachedCompletion } from '../../src/cache/response-cache.js';
import { MemoryPubSub, MemoryStore } from '../../src/kv/memory.js';
import type { KeyValueStore, PubSub } from '../../src/kv/types.js';
import { createLogger } from '../../src/logger.js';

describe('LocalTier', () => {
  const clock = { t: 1_000 };
  const tier = (maxEntries = 3, maxChars = 1_000, maxAgeMs = 10_000) => new LocalTier({ maxEntries, maxChars, maxAgeMs }, () => clock.t);

  it('drops the least recently used entry past maxEntries', () => {
    const t = tier();
    t.set('a', '1');
    t.set('b', '2');
    t.set('c', '3');
    expect(t.get('a')).toBe('1'); // a is now the most recent
    t.set('d', '4');
    expect([t.get('a'), t.get('b'), t.get('c'), t.get('d')]).toEqual(['1', null, '3', '4']);
    expect(t.size).toBe(3);
  });

  it('bounds the characters held and skips an entry over a quarter of them', () => {
    const t = tier(100, 100);
    t.set('big', 'x'.repeat(26));
    expect(t.get('big')).toBeNull();
    for (const k of ['a', 'b', 'c', 'd', 'e']) t.set(k, 'y'.repeat(25));
    expect(t.size).toBe(4);
    expect(t.get('a')).toBeNull();
    t.set('b', 'z'); // replacing gives its characters back: 76 held
    t.set('f', 'y'.repeat(24));
    expect(t.size).toBe(5);
    t.set('g', 'y'); // 101: the least recently used (c) goes
    expect([t.get('c'), t.get('b'), t.size]).toEqual([null, 'z', 5]);
  });

  it('keeps an entry until its own expiry or maxAgeMs, whichever is first', () => {
    const t = tier(10, 1_000, 5_000);
    t.set('own', 'v', clock.t + 2_000);
    t.set('age', 'v');
    t.set('past', 'v', clock.t - 1);
    expect(t.get('past')).toBeNull();
    clock.t += 2_000;
    expect([t.get('own'), t.get('age')]).toEqual([null, 'v']);
    clock.t += 3_000;
    expect(t.get('age')).toBeNull();
    expect(t.size).toBe(0);
  });

  it('drops by key prefix', () => {
    const t = tier(10);
    t.set('c:openai:m1:x', '1');
    t.set('c:openai:m2:y', '2');
    t.set('c:gemini:m3:z', '3');
    t.dropPrefix('c:openai:m1:');
    expect(t.size).toBe(2);
    t.dropPrefix('c:openai:');
    expect([t.get('c:openai:m2:y'), t.get('c:gemini:m3:z')]).toEqual([null, '3']);
    t.dropPrefix('');
    expect(t.size).toBe(0);
  });
});

/** A memory store that says it is Redis and lets a test hold a GET's answer back. */
class HeldStore extends MemoryStore {
  override readonly kind = 'redis' as unknown as 'memory';
  gets = 0;
  hold: Promise<void> | null = null;
  override async get(key: string) {
    this.gets++;
    const value = await super.get(key);
    if (this.hold) await this.hold;
    return value;
  }
}

/** MemoryPubSub whose delivery can be switched off and on, as a Redis subscriber's can. */
class SwitchedPubSub extends MemoryPubSub implements PubSub {
  private handlers: ((up: boolean) => void)[] = [];
  override onDeliveryChange(handler: (up: boolean) => void) {
    this.handlers.push(handler);
    return () => {};
  }
  set(up: boolean) {
    for (const h of this.handlers) h(up);
  }
}

const entry: CachedCompletion = {
  provider: 'openai', model: 'm', text: 'answer', finishReason: 'stop', inputTokens: 1, outputTokens: 1,
  costUsd: 0, costEstimated: false, createdAt: new Date(0).toISOString(),
};
/** Lets the event loop turn until check holds (a bounded number of turns). */
async function turnsUntil(check: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}
/** Until the cache has heard its own probe. */
const serving = (cache: ResponseCache) => turnsUntil(async () => (await cache.health()).localTier === 'serving');

function makeCache(kv: KeyValueStore, pubsub: PubSub) {
  return new ResponseCache(kv, pubsub, {
    enabled: true, ttlSeconds: 60, coalesceWaitMs: 100,
    local: { maxEntries: 100, maxChars: 100_000, maxAgeMs: 60_000 },
  }, createLogger('silent'));
}

describe('ResponseCache local tier', () => {
  it('serves repeated hits locally once it has heard its own probe', async () => {
    const kv = new HeldStore();
    const cache = makeCache(kv, new MemoryPubSub());
    expect((await cache.health()).localTier).toBe('paused');
    await serving(cache);
    await cache.set('c:openai:t:k', entry);
    expect(await cache.get('c:openai:t:k')).toMatchObject({ text: 'answer' });
    expect(kv.gets).toBe(0);
    expect((await cache.stats()).localHits).toBe(1);
    await cache.close();
  });

  it('does not fill the tier with a read that began before an invalidation', async () => {
    const kv = new HeldStore();
    const pubsub = new MemoryPubSub();
    const cache = makeCache(kv, pubsub);
    await serving(cache);
    await kv.set('c:openai:t:k', JSON.stringify(entry), 60);
    let release!: () => void;
    kv.hold = new Promise((r) => (release = r));
    const read = cache.get('c:openai:t:k'); // reads the old value, answer held back
    await turnsUntil(() => kv.gets === 1);
    await cache.clearProvider('openai'); // deletes it meanwhile
    kv.hold = null;
    release();
    expect(await read).toMatchObject({ text: 'answer' }); // what it read before the clear
    expect(await cache.get('c:openai:t:k')).toBeNull(); // but it was not kept locally
    expect(kv.gets).toBe(2);
    await cache.close();
  });

  it('empties and pauses the tier while delivery is down, and serves again after a new probe', async () => {
    const kv = new HeldStore();
    const pubsub = new SwitchedPubSub();
    const cache = makeCache(kv, pubsub);
    await serving(cache);
    await cache.set('c:openai:t:k', entry);
    expect((await cache.stats()).localEntries).toBe(1);
    pubsub.set(false);
    expect((await cache.stats()).localEntries).toBe(0);
    expect((await cache.health()).localTier).toBe('paused');
    await cache.get('c:openai:t:k');
    await cache.get('c:openai:t:k');
    expect(kv.gets).toBe(2); // both from the store: nothing is kept while paused
    pubsub.set(true);
    await serving(cache);
    await cache.get('c:openai:t:k');
    await cache.get('c:openai:t:k');
    expect(kv.gets).toBe(3);
    await cache.close();
  });

  it("drops only the cleared provider's entries from the tier", async () => {
    const cache = makeCache(new HeldStore(), new MemoryPubSub());
    await serving(cache);
    await cache.set('c:openai:t1:a', entry);
    await cache.set('c:gemini:t2:b', entry);
    await cache.clearProvider('openai');
    expect((await cache.stats()).localEntries).toBe(1);
    await cache.close();
  });
});
