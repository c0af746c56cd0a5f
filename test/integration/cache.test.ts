// The response cache end to end: hits without upstream calls, canonical keys,
// TTL, clearing, shared statistics, coalescing (in one instance and across two
// sharing Redis), and fail-open when Redis dies and comes back.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheOverviewDocument, ClearCacheDocument, CompletionDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { privateRedis } from '../helpers/redis-server.js';
import { Redis } from 'ioredis';

/** Polls check until it holds (a bounded number of times). */
async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

/** The cache entries in the app's store, by key. */
async function storedEntries(t: TestApp): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for await (const keys of t.app.services.kv.scan('c:*')) {
    const values = await t.app.services.kv.mget(keys);
    keys.forEach((k, i) => values[i] !== null && entries.set(k, values[i]!));
  }
  return entries;
}

describe.each(BACKENDS)('cache on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;
  const ask = (body: Record<string, unknown>, provider = 'openai') => t.request('POST', `/api/ai/${provider}`, { token, body });

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(async () => {
    mock.reset();
    await t.request('DELETE', '/api/ai/cache', { token });
  });

  it('answers a repeated request from the cache: no upstream call, 0 tokens and $0 billed', async () => {
    const first = await ask({ prompt: 'What is AI?', max_tokens: 100 });
    expect(first.body).toMatchObject({ cached: false });
    const price = t.app.services.pricing.priceOf('openai', first.body.model)!;
    expect(first.body.estimated_cost).toBeCloseTo((first.body.input_tokens * price.input + first.body.output_tokens * price.output) / 1e6, 12);
    const second = await ask({ prompt: 'What is AI?', max_tokens: 100 });
    expect(second.body).toMatchObject({ cached: true, tokens_used: 0, estimated_cost: 0, response: first.body.response, model: first.body.model });
    expect(second.body.input_tokens).toBe(first.body.input_tokens);
    expect(mock.count('openai')).toBe(1);
  });

  it('ignores object key order and misses on any differing parameter', async () => {
    await ask({ prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5 });
    const reordered = await ask({ temperature: 0.5, extra: { logit_bias: { 2: 2, 1: 1 } }, user: 'u1', prompt: 'Keys' });
    expect(reordered.body.cached).toBe(true);
    const variants: Record<string, unknown>[] = [
      { prompt: 'Keys ', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5 },
      { prompt: 'Keys', user: 'u2', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5 },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.6 },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, max_tokens: 50 },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, top_p: 0.9 },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, stop: ['END'] },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, system_message: 'Be brief' },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, model: 'gpt-4o' },
      { prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5, seed: 7 },
      { messages: [{ role: 'assistant', content: 'hi' }], prompt: 'Keys', user: 'u1', extra: { logit_bias: { 1: 1, 2: 2 } }, temperature: 0.5 },
    ];
    for (const v of variants) expect((await ask(v)).body.cached, JSON.stringify(v)).toBe(false);
    const otherProvider = await ask({ prompt: 'Keys', temperature: 0.5 }, 'anthropic');
    expect(otherProvider.body.cached).toBe(false);
    expect(mock.count()).toBe(1 + variants.length + 1);
  });

  it("keeps each user's entries apart: another user's identical prompt is a miss, and no hit reveals it", async () => {
    await t.request('POST', '/api/auth/users', { token, body: { username: 'tenant-b', password: 'tenant-b-password', role: 'user' } });
    const other = (await t.request('POST', '/api/auth/login', { body: { username: 'tenant-b', password: 'tenant-b-password' } })).body.access_token;
    const mine = await ask({ prompt: 'What did my colleague ask?' });
    const theirs = await t.request('POST', '/api/ai/openai', { token: other, body: { prompt: 'What did my colleague ask?' } });
    expect([mine.body.cached, theirs.body.cached]).toEqual([false, false]);
    const theirsAgain = await t.request('POST', '/api/ai/openai', { token: other, body: { prompt: 'What did my colleague ask?' } });
    expect(theirsAgain.body.cached).toBe(true);
    expect(mock.count('openai')).toBe(2);
  });

  it('honours the per-request policy: skip reading, skip writing, own TTL', async () => {
    await ask({ prompt: 'policy', cache: { write: false } });
    expect((await ask({ prompt: 'policy' })).body.cached).toBe(false); // nothing was written
    expect((await ask({ prompt: 'policy', cache: { read: false } })).body.cached).toBe(false);
    expect((await ask({ prompt: 'policy' })).body.cached).toBe(true);
    expect((await ask({ prompt: 'policy', no_cache: true })).body.cached).toBe(false);
    const before = await storedEntries(t);
    await ask({ prompt: 'short-lived', cache: { ttl_seconds: 1 } });
    const added = [...(await storedEntries(t)).keys()].filter((k) => !before.has(k));
    expect(added).toHaveLength(1);
    expect((await ask({ prompt: 'short-lived' })).body.cached).toBe(true);
    // The store drops the entry when its own TTL says; the one with the default TTL stays.
    await until(async () => (await t.app.services.kv.get(added[0]!)) === null);
    expect((await ask({ prompt: 'short-lived' })).body.cached).toBe(false);
    expect((await ask({ prompt: 'policy' })).body.cached).toBe(true);
  });

  it('clears by provider and by model, counting entries, admins only', async () => {
    await ask({ prompt: 'a' });
    await ask({ prompt: 'b', model: 'gpt-4o' });
    await ask({ prompt: 'c' }, 'gemini');
    await ask({ prompt: 'd', model: 'gemini-1.5-pro' }, 'gemini');
    await ask({ prompt: 'e', model: 'meta-llama/Llama-2-7b-chat-hf' }, 'huggingface');
    const model = await t.request('DELETE', '/api/ai/cache/model/gemini/gemini-1.5-pro', { token });
    expect(model.body).toEqual({ status: 'success', cleared_entries: 1 });
    const slashed = await t.request('DELETE', '/api/ai/cache/model/huggingface/meta-llama/Llama-2-7b-chat-hf', { token });
    expect(slashed.body.cleared_entries).toBe(1);
    expect((await ask({ prompt: 'c' }, 'gemini')).body.cached).toBe(true);
    const provider = await t.request('DELETE', '/api/ai/cache/provider/openai', { token });
    expect(provider.body).toEqual({ status: 'success', cleared_entries: 2 });
    expect((await ask({ prompt: 'a' })).body.cached).toBe(false);
    const gql = await t.exec(ClearCacheDocument, { provider: 'gemini' }, token);
    expect(gql.data!.clearCache).toBe(1);
    const all = await t.request('DELETE', '/api/ai/cache', { token });
    expect(all.body).toEqual({ status: 'success', cleared_keys: 1 });
  });

  it('reports true statistics over REST and GraphQL', async () => {
    const before = (await t.request('GET', '/api/ai/cache/stats', { token })).body;
    await ask({ prompt: 'stats 1' });
    await ask({ prompt: 'stats 1' });
    await ask({ prompt: 'stats 1' });
    await ask({ prompt: 'stats 2' });
    const s = (await t.request('GET', '/api/ai/cache/stats', { token })).body;
    expect(s.cache_hits - before.cache_hits).toBe(2);
    expect(s.cache_misses - before.cache_misses).toBe(2);
    expect(s.total_cache_entries).toBe(2);
    const stored = [...(await storedEntries(t)).entries()];
    const bytes = stored.reduce((n, [, v]) => n + Buffer.byteLength(v), 0);
    expect(stored).toHaveLength(2);
    expect(s.total_memory_kb).toBe(Math.round((bytes / 1024) * 10) / 10);
    expect(s.hit_rate_percent).toBeCloseTo(Math.round((s.cache_hits / (s.cache_hits + s.cache_misses)) * 1000) / 10, 5);
    const g = await t.exec(CacheOverviewDocument, {}, token);
    expect(g.data!.cacheStats).toMatchObject({ hits: s.cache_hits, misses: s.cache_misses, entries: 2, backend: backend === 'embedded' ? 'memory' : 'redis' });
    expect(g.data!.cacheHealth).toMatchObject({ status: 'healthy', redisConnected: backend !== 'embedded' });
    expect(g.data!.cacheMemory.keysCount).toBe(2);
    const mem = (await t.request('GET', '/api/ai/cache/memory', { token })).body;
    expect(mem.used_memory_bytes).toBeGreaterThanOrEqual(stored.reduce((n, [k, v]) => n + k.length + v.length, 0)); // the store holds at least the entries
    expect(mem.keys_count).toBe(2);
    const health = (await t.request('GET', '/api/ai/cache/health', { token })).body;
    expect(health).toMatchObject({ status: 'healthy', redis_connected: backend !== 'embedded' });
  });

  it('makes exactly one upstream call for N concurrent identical requests', async () => {
    mock.configure({ latencyMs: 300 });
    const results = await Promise.all(Array.from({ length: 12 }, () => ask({ prompt: 'stampede' })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.response)).size).toBe(1);
    expect(results.filter((r) => !r.body.cached)).toHaveLength(1);
    expect(mock.count('openai')).toBe(1);
  });

  it('caches the GraphQL path too, sharing entries with REST', async () => {
    const rest = await ask({ prompt: 'shared path', max_tokens: 20 });
    const g = await t.exec(CompletionDocument, { input: { provider: 'openai', prompt: 'shared path', maxTokens: 20 } }, token);
    expect(g.data!.completion).toMatchObject({ cached: true, tokensUsed: 0, estimatedCost: 0, response: rest.body.response });
  });

  it('is switched off by ENABLE_CACHING=false', async () => {
    const off = await startTestApp({ backend: 'embedded', env: mockProviderEnv(mock, { ENABLE_CACHING: 'false' }) });
    try {
      const tk = await off.adminToken();
      await off.request('POST', '/api/ai/openai', { token: tk, body: { prompt: 'no cache' } });
      const again = await off.request('POST', '/api/ai/openai', { token: tk, body: { prompt: 'no cache' } });
      expect(again.body.cached).toBe(false);
      expect(mock.count('openai')).toBe(2);
      expect((await off.request('GET', '/api/ai/cache/health', { token: tk })).body.status).toBe('disabled');
    } finally {
      await off.stop();
    }
  });
});

describe('memory cache bound', () => {
  it('evicts the least recently used entries past CACHE_MAX_ENTRIES', async () => {
    const t = await startTestApp({ backend: 'embedded', env: { CACHE_MAX_ENTRIES: '100' } });
    try {
      const token = await t.adminToken();
      const ask = (i: number) => t.request('POST', '/api/ai/local', { token, body: { prompt: `prompt number ${i}` } });
      for (let i = 0; i < 150; i++) await ask(i);
      const stats = (await t.request('GET', '/api/ai/cache/stats', { token })).body;
      expect(stats.total_cache_entries).toBeLessThanOrEqual(100);
      expect(stats.total_cache_entries).toBeGreaterThan(90);
      expect((await ask(149)).body.cached).toBe(true);
      expect((await ask(0)).body.cached).toBe(false);
    } finally {
      await t.stop();
    }
  });
});

describe('cache shared through Redis by several instances', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());

  it('shares entries and statistics across instances and restarts, and coalesces across instances', async () => {
    const a = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock) });
    const shared = { databaseUrl: a.config.databaseUrl, redisPrefix: a.config.redisKeyPrefix };
    const b = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock), share: shared });
    try {
      const ta = await a.adminToken();
      const tb = await b.adminToken();
      await a.request('POST', '/api/ai/gemini', { token: ta, body: { prompt: 'across instances' } });
      const fromB = await b.request('POST', '/api/ai/gemini', { token: tb, body: { prompt: 'across instances' } });
      expect(fromB.body.cached).toBe(true);
      expect(mock.count('gemini')).toBe(1);

      mock.configure({ latencyMs: 400 });
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).request('POST', '/api/ai/gemini', { token: i % 2 ? ta : tb, body: { prompt: 'cross-instance stampede' } })),
      );
      expect(burst.every((r) => r.status === 200)).toBe(true);
      expect(mock.count('gemini')).toBe(2);

      // Each instance sends its counts to the shared hash within a second: b's reach a by themselves.
      const hitsOnA = async () => (await a.request('GET', '/api/ai/cache/stats', { token: ta })).body.cache_hits as number;
      await b.app.services.cache.flushStats(); // what b counted so far
      const seenByA = await hitsOnA();
      await b.request('POST', '/api/ai/gemini', { token: tb, body: { prompt: 'across instances' } });
      await until(async () => (await hitsOnA()) !== seenByA);
      expect(await hitsOnA()).toBe(seenByA + 1);

      await a.app.services.cache.flushStats();
      const statsBefore = (await a.request('GET', '/api/ai/cache/stats', { token: ta })).body;
      await b.stop({ cleanup: false }); // sends what b still had pending
      const c = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock), share: shared });
      const tc = await c.adminToken();
      const statsAfter = (await c.request('GET', '/api/ai/cache/stats', { token: tc })).body;
      expect(statsAfter).toMatchObject({ cache_hits: statsBefore.cache_hits, cache_misses: statsBefore.cache_misses, total_cache_entries: 2 });
      await c.stop({ cleanup: false });
    } finally {
      await a.stop();
    }
  });

  it("serves repeated hits from each instance's local tier and drops them on every instance when cleared", async () => {
    const a = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock) });
    const b = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock), share: { databaseUrl: a.config.databaseUrl, redisPrefix: a.config.redisKeyPrefix } });
    try {
      const ta = await a.adminToken();
      const tb = await b.adminToken();
      const ask = (app: TestApp, token: string, prompt: string, provider = 'openai') => app.request('POST', `/api/ai/${provider}`, { token, body: { prompt } });
      const stats = async (app: TestApp, token: string) => (await app.request('GET', '/api/ai/cache/stats', { token })).body;
      const tier = async (app: TestApp, token: string) => (await app.request('GET', '/api/ai/cache/health', { token })).body.local_tier;
      await until(async () => (await tier(a, ta)) === 'serving' && (await tier(b, tb)) === 'serving');
      mock.reset();

      await ask(a, ta, 'local tier');
      expect((await ask(b, tb, 'local tier')).body.cached).toBe(true); // from Redis; now kept by b too
      await ask(b, tb, 'kept elsewhere', 'gemini');
      const before = await stats(b, tb);
      expect(before.local_entries).toBe(2);
      const repeat = await ask(b, tb, 'local tier');
      expect(repeat.body).toMatchObject({ cached: true, tokens_used: 0, estimated_cost: 0 });
      expect((await stats(b, tb)).local_hits).toBe(before.local_hits + 1);

      // Cleared through a: b hears it and drops that provider's entries, and only those.
      expect((await a.request('DELETE', '/api/ai/cache/provider/openai', { token: ta })).status).toBe(200);
      await until(async () => (await stats(b, tb)).local_entries === 1);
      expect((await ask(b, tb, 'local tier')).body.cached).toBe(false);
      expect(mock.count('openai')).toBe(2);
      expect((await ask(b, tb, 'kept elsewhere', 'gemini')).body.cached).toBe(true);
    } finally {
      await b.stop({ cleanup: false });
      await a.stop();
    }
  });

  it('empties and pauses the local tier when its subscriber connection drops, then serves again', async () => {
    const redis = await privateRedis();
    await redis.start();
    const t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { REDIS_URL: redis.url }) });
    const admin = new Redis(redis.url);
    try {
      const token = await t.adminToken();
      const stats = async () => (await t.request('GET', '/api/ai/cache/stats', { token })).body;
      const tier = async () => (await t.request('GET', '/api/ai/cache/health', { token })).body.local_tier;
      const ask = () => t.request('POST', '/api/ai/openai', { token, body: { prompt: 'subscriber drop' } });
      await until(async () => (await tier()) === 'serving');
      await ask();
      expect((await stats()).local_entries).toBe(1);

      await admin.client('KILL', 'TYPE', 'pubsub'); // invalidations sent now would be lost to it
      await until(async () => (await stats()).local_entries === 0);
      await until(async () => (await tier()) === 'serving'); // reconnected and heard its own probe
      const hits = (await stats()).local_hits;
      expect((await ask()).body.cached).toBe(true); // from Redis
      expect((await stats()).local_hits).toBe(hits);
      expect((await ask()).body.cached).toBe(true); // and now locally
      expect((await stats()).local_hits).toBe(hits + 1);
    } finally {
      admin.disconnect();
      await t.stop();
      await redis.stop();
    }
  });

  it('fails open while Redis is down and resumes caching when it is back', async () => {
    const redis = await privateRedis();
    await redis.start();
    mock.reset();
    const t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '50' }) });
    try {
      const token = await t.adminToken();
      const ask = (prompt: string) => t.request('POST', '/api/ai/openai', { token, body: { prompt } });
      await ask('before outage');
      expect((await ask('before outage')).body.cached).toBe(true);

      await redis.stop();
      const during = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(`during outage ${i % 5}`)));
      expect(during.map((r) => r.status)).toEqual(Array(20).fill(200));
      const health = await t.request('GET', '/api/ai/cache/health', { token });
      expect([health.status, health.body.status, health.body.redis_connected, health.body.local_tier]).toEqual([503, 'degraded', false, 'paused']);
      const ready = await t.request('GET', '/ready');
      expect(ready.status).toBe(503);

      await redis.start();
      let resumed = false;
      for (let i = 0; i < 100 && !resumed; i++) {
        await ask('after outage');
        resumed = (await ask('after outage')).body.cached === true;
        if (!resumed) await new Promise((r) => setTimeout(r, 100));
      }
      expect(resumed).toBe(true);
      expect((await t.request('GET', '/api/ai/cache/health', { token })).body.status).toBe('healthy');
    } finally {
      await t.stop();
      await redis.stop();
    }
  });

  it('starts while Redis is down, reports not ready, and recovers', async () => {
    const redis = await privateRedis();
    const t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { REDIS_URL: redis.url }) });
    try {
      const token = await t.adminToken();
      expect((await t.request('GET', '/ready')).status).toBe(503);
      expect((await t.request('POST', '/api/ai/local', { token, body: { prompt: 'works anyway' } })).status).toBe(200);
      await redis.start();
      let ready = 503;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await t.request('GET', '/ready')).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(200);
    } finally {
      await t.stop();
      await redis.stop();
    }
  });
});
