// Key limits when a dependency fails. Redis down: each instance enforces its share of every
// limit (limit / GATEWAY_INSTANCES; budgets from the spend recorded in the database, shared
// the same way): never a 500 and never unlimited. PostgreSQL down: keys already seen keep
// working, their limits still enforced from the shared counters; a key not seen yet answers
// 503 DEPENDENCY_UNAVAILABLE, never 401.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_PG_ADMIN_URL } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { privateRedis, type PrivateRedis } from '../helpers/redis-server.js';

const MODEL = 'gpt-4o-mini';

describe('key limits while a dependency is down', () => {
  let mock: MockUpstream;

  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    await mock?.close();
  });

  const ask = (t: TestApp, key: string, n: number) =>
    t.request('POST', '/api/ai/openai', { headers: { 'x-api-key': key }, body: { prompt: `budget call ${n}`, model: MODEL, max_tokens: 5 } });

  describe('Redis down', () => {
    let redis: PrivateRedis;
    let t: TestApp;
    let admin: string;

    beforeAll(async () => {
      redis = await privateRedis();
      await redis.start();
      t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { REDIS_URL: redis.url, ENABLE_CACHING: 'false', GATEWAY_INSTANCES: '2' }) });
      admin = await t.adminToken();
      const pinned = Date.now(); // one minute window for the test
      t.app.services.governance.now = () => pinned;
    });
    afterAll(async () => {
      await t?.stop();
      await redis?.stop();
    });

    it("enforces this instance's share of each limit, never unlimited and never a 500", async () => {
      const probe = await t.request('POST', '/api/ai/openai', { token: admin, body: { prompt: 'budget call 100', model: MODEL, max_tokens: 5 } });
      const callCost: number = probe.body.estimated_cost;
      const create = async (fields: Record<string, unknown>) => (await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', ...fields } })).body.api_key as string;
      const perMinute = await create({ rpm: 4 });
      // Total budget 4.5 calls, one spent (and recorded) before the outage: 3.5 left, 1.75 calls per instance.
      const budgeted = await create({ max_budget_usd_total: callCost * 4.5 });
      expect((await ask(t, perMinute, 101)).status).toBe(200);
      expect((await ask(t, budgeted, 102)).status).toBe(200);
      await t.app.services.recorder.flush();

      await redis.stop();
      const rpm = [];
      for (let n = 110; n < 113; n++) rpm.push(await ask(t, perMinute, n));
      expect(rpm.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(rpm[2]!.body.error.code).toBe('RATE_LIMITED');
      const budget = [];
      for (let n = 120; n < 122; n++) budget.push(await ask(t, budgeted, n));
      expect(budget.map((r) => r.status)).toEqual([200, 429]);
      expect(budget[1]!.body.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { scope: 'key', period: 'total' } });
      expect(t.app.services.kv.status().connected).toBe(false);
    });
  });

  describe('PostgreSQL down', () => {
    let t: TestApp;
    let pgAdmin: pg.Client;
    let dbName: string;
    let reachable = true;
    const setReachable = async (on: boolean) => {
      await pgAdmin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${on}`);
      if (!on) await pgAdmin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      reachable = on;
    };

    beforeAll(async () => {
      t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { ENABLE_CACHING: 'false', AUTH_CACHE_TTL_SECONDS: '1', DATABASE_CONNECT_TIMEOUT_MS: '1000' }) });
      dbName = new URL(t.config.databaseUrl!).pathname.slice(1);
      const pinned = Date.now(); // one minute window for the test
      t.app.services.governance.now = () => pinned;
      pgAdmin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await pgAdmin.connect();
    });
    afterAll(async () => {
      if (!reachable) await setReachable(true);
      await pgAdmin?.end();
      await t?.stop();
    });

    it('keeps keys already seen working with their limits; a key not seen yet is 503, never 401', async () => {
      const admin = await t.adminToken();
      const team = (await t.request('POST', '/api/admin/teams', { token: admin, body: { name: 'outage-team', rpm: 3 } })).body;
      const create = async () => (await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', team_id: team.id, max_budget_usd_total: 1 } })).body.api_key as string;
      const seen = await create();
      const unseen = await create();
      expect((await ask(t, seen, 130)).status).toBe(200);

      await setReachable(false);
      // Served from the cache once the entries are due for a new read (TTL 1 s), the database failing.
      await expect.poll(async () => {
        const r = await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': seen } });
        expect(r.status).toBe(200);
        return t.app.services.auth.stats().staleServed;
      }, { interval: 100, timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      expect((await ask(t, seen, 131)).status).toBe(200);
      expect((await ask(t, seen, 132)).status).toBe(200);
      // The team's 3 requests per minute still hold.
      const limited = await ask(t, seen, 133);
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      const fresh = await ask(t, unseen, 134);
      expect([fresh.status, fresh.body.error.code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
      const g = await t.request('POST', '/graphql', { headers: { 'x-api-key': unseen }, body: { query: '{ me { username } }' } });
      expect([g.status, g.body.errors[0].extensions.code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
    });
  });
});
