// How many Redis commands a completion costs, counted exactly with MONITOR on the test's key
// prefix: a cache miss reads the entry and takes the leader's lock in one script, and writes
// the entry and releases the lock in another (no notification: no other instance waits, see
// test/unit/response-cache-coalesce.test.ts); a hit is one read (none when this instance's
// local tier holds it). Nothing else is configured, so no rate-limit or key-limit command runs.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';

describe.each<[string, Record<string, string>]>([
  ['with the local tier', {}],
  ['without the local tier', { CACHE_LOCAL_ENTRIES: '0' }],
])('Redis commands per completion (postgres+redis, %s)', (_name, env) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;
  let monitor: Redis;
  let probe: Redis;
  let prefix: string;
  let seen: string[][] = [];
  let sentinel: { name: string; resolve: () => void } | null = null;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, env) });
    prefix = t.config.redisKeyPrefix;
    token = await t.adminToken();
    monitor = await new Redis(TEST_REDIS_URL).monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return; // the commands a script runs are not round trips
      if (sentinel && args[0]?.toLowerCase() === 'get' && args[1] === sentinel.name) return sentinel.resolve();
      // The cache's statistics are sent on a timer, not per request.
      if (args.some((a) => a.includes(prefix)) && !args.some((a) => a.includes('cache:stats'))) seen.push(args);
    });
    probe = new Redis(TEST_REDIS_URL);
    await ask('warm up');
  });
  afterAll(async () => {
    monitor?.disconnect();
    probe?.disconnect();
    await t?.stop({ cleanup: true });
    await mock?.close();
  });

  /**
   * The commands on the app's keys from `fn` on, as names (the first word, and for a script
   * which one), up to a command sent once `fn` is done (Redis shows commands in the order it
   * runs them).
   */
  async function commandsOf(fn: () => Promise<unknown>): Promise<string[]> {
    seen = [];
    await fn();
    const name = `sentinel-${Math.random()}`;
    await new Promise<void>((resolve) => {
      sentinel = { name, resolve };
      void probe.get(name);
    });
    sentinel = null;
    return seen.map((c) => {
      const cmd = c[0]!.toLowerCase();
      if (cmd !== 'eval') return cmd;
      return c[1]!.includes("'NX'") ? 'eval get-or-lock' : c[1]!.includes("'DEL'") && c[1]!.includes("'SET'") ? 'eval set-and-unlock' : 'eval other';
    });
  }

  function ask(prompt: string) {
    return t.request('POST', '/api/ai/openai', { token, body: { prompt } });
  }

  it('a miss: one script to read and lock, one to write and unlock', async () => {
    const prompt = `a unique prompt ${Math.random()}`;
    let status = 0;
    const commands = await commandsOf(async () => (status = (await ask(prompt)).status));
    expect(status).toBe(200);
    expect(commands).toEqual(['eval get-or-lock', 'eval set-and-unlock']);
  });

  it('a hit: one read of the shared entry, or none from the local tier', async () => {
    const prompt = `a unique prompt ${Math.random()}`;
    await ask(prompt);
    let cached: unknown;
    const commands = await commandsOf(async () => (cached = (await ask(prompt)).body.cached));
    expect(cached).toBe(true);
    expect(commands).toEqual(env.CACHE_LOCAL_ENTRIES === '0' ? ['eval get-or-lock'] : []);
  });
});
