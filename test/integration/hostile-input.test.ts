// Issue 19, points 1, 6, 8 (CSV) and 9 on both backends, through REST and GraphQL:
// - the analytics filters that used to end the process (a query started, then a
//   synchronous throw left its promise rejected and unobserved) answer 400; vitest
//   fails the run on any unhandled rejection, so passing also means none escaped;
// - non-admins see only their own analytics, dashboard, export, alerts and live updates;
// - NUL bytes and non-UUID ids get 400 VALIDATION_ERROR, never a database error's 500;
// - CSV exports neutralise formula starts after separators.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { wsClient } from '../helpers/ws.js';

const ANALYTICS_READS = ['dashboard', 'summary', 'providers', 'trends', 'optimization', 'performance'];
const GRAPHQL_READS: [field: string, selection: string][] = [
  ['analyticsDashboard', '{ summary { totalApiCalls } }'],
  ['analyticsSummary', '{ totalApiCalls }'],
  ['analyticsProviders', '{ provider }'],
  ['analyticsTrends', '{ periodDays }'],
  ['analyticsOptimization', '{ totalRequests }'],
  ['analyticsPerformance', '{ reportType }'],
];
/** The inputs, and their relatives: [REST query, GraphQL arguments]. */
const BAD_FILTERS: [string, Record<string, unknown>][] = [
  ['days=0', { days: 0 }],
  ['days=366', { days: 366 }],
  ['days=-1', { days: -1 }],
  ['days=abc', { days: 2 ** 31 - 1 }],
  ['provider=', { provider: '' }],
  ['provider=open%00ai', { provider: 'open\u0000ai' }],
  ['user_id=not-a-uuid', { userId: 'not-a-uuid' }],
  [`user_id=${randomUUID()}%00`, { userId: `${randomUUID()}\u0000` }],
  ['days=0&provider=&user_id=not-a-uuid', { days: 0, provider: '', userId: 'not-a-uuid' }],
];

describe.each(BACKENDS)('hostile input on %s', (backend) => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let bob: string;
  const ids: Record<'admin' | 'alice' | 'bob', string> = { admin: '', alice: '', bob: '' };

  const user = async (name: string) => {
    const created = await t.request('POST', '/api/auth/users', { token: admin, body: { username: name, password: `${name}-password` } });
    expect(created.status).toBe(201);
    const login = await t.request('POST', '/api/auth/login', { body: { username: name, password: `${name}-password` } });
    return { id: created.body.id as string, token: login.body.access_token as string };
  };

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = await t.adminToken();
    ids.admin = (await t.request('GET', '/api/auth/me', { token: admin })).body.user_id;
    ({ id: ids.alice, token: alice } = await user('alice'));
    ({ id: ids.bob, token: bob } = await user('bob'));
    // alice 2 calls ($0.01 + $0.02), bob 3 ($0.1 each), admin 1 ($1), one without a user ($5).
    const row = (userId: string | null, costUsd: number, model = 'gpt-4o') => ({
      id: randomUUID(), userId, provider: 'openai', model, source: 'seed', status: 'success', latencyMs: 10, inputTokens: 10, outputTokens: 10, costUsd, listCostUsd: costUsd,
    });
    await t.app.services.db.prisma.apiCall.createMany({
      data: [row(ids.alice, 0.01), row(ids.alice, 0.02), row(ids.bob, 0.1), row(ids.bob, 0.1), row(ids.bob, 0.1), row(ids.admin, 1), row(null, 5)],
    });
  });
  afterAll(() => t?.stop());

  const expectError = (r: { status: number; body: any }, status: number, code: string, label: string) => {
    expect([r.status, r.body?.error?.code], `${label}: ${JSON.stringify(r.body)}`).toEqual([status, code]);
  };
  const expectGqlError = (r: { status: number; body: any }, status: number, code: string, label: string) => {
    expect([r.status, r.body?.errors?.[0]?.extensions?.code], `${label}: ${JSON.stringify(r.body)}`).toEqual([status, code]);
  };

  describe('analytics filters that used to end the process', () => {
    it('answer 400 on every REST read and the export, for admins and users', async () => {
      for (const token of [admin, alice]) {
        for (const path of ANALYTICS_READS) {
          for (const [query] of BAD_FILTERS) {
            expectError(await t.request('GET', `/api/ai/analytics/${path}?${query}`, { token }), 400, 'VALIDATION_ERROR', `${path}?${query}`);
          }
        }
        for (const body of [{ days: 0 }, { days: 366 }, { provider: '' }, { provider: 'a\u0000' }, { user_id: 'not-a-uuid' }, { days: '7.5' }, { limit: 0 }, { limit: 'all' }]) {
          expectError(await t.request('POST', '/api/ai/analytics/export', { token, body }), 400, 'VALIDATION_ERROR', `export ${JSON.stringify(body)}`);
        }
      }
    });

    it('answer 400 on every GraphQL read, as arguments and as variables', async () => {
      for (const token of [admin, alice]) {
        for (const [field, selection] of GRAPHQL_READS) {
          for (const [, args] of BAD_FILTERS) {
            const literal = Object.entries(args).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');
            expectGqlError(await t.gql(`{ ${field}(${literal}) ${selection} }`, undefined, token), 400, 'VALIDATION_ERROR', `${field}(${literal})`);
            const vars = await t.gql(`query($days: Int, $provider: String, $userId: String) { ${field}(days: $days, provider: $provider, userId: $userId) ${selection} }`, args, token);
            expectGqlError(vars, 400, 'VALIDATION_ERROR', `${field} with variables ${JSON.stringify(args)}`);
          }
        }
      }
      // Not an Int at all: refused by GraphQL itself, still a 400.
      const notInt = await t.gql('query($d: Int) { analyticsPerformance(days: $d) { reportType } }', { d: 'abc' }, admin);
      expect(notInt.status).toBe(400);
    });

    it('leave the server answering', async () => {
      expect((await t.request('GET', '/health')).status).toBe(200);
      expect((await t.request('GET', '/api/ai/analytics/performance?days=1', { token: admin })).status).toBe(200);
    });
  });

  describe('analytics isolation', () => {
    const summary = async (token: string, query = '') => t.request('GET', `/api/ai/analytics/summary${query}`, { token });

    it('gives a user their own figures, and 403 for another user\'s, on REST', async () => {
      expect((await summary(alice)).body).toMatchObject({ total_api_calls: 2, total_cost_usd: 0.03 });
      expect((await summary(alice, `?user_id=${ids.alice}`)).body).toMatchObject({ total_api_calls: 2 });
      expect((await summary(alice, `?user_id=${ids.alice.toUpperCase()}`)).body).toMatchObject({ total_api_calls: 2 });
      expectError(await summary(alice, `?user_id=${ids.bob}`), 403, 'FORBIDDEN', 'alice asking for bob');
      for (const path of ANALYTICS_READS) {
        expectError(await t.request('GET', `/api/ai/analytics/${path}?user_id=${ids.bob}`, { token: alice }), 403, 'FORBIDDEN', path);
      }
      expect((await t.request('GET', '/api/ai/analytics/providers', { token: bob })).body).toEqual({
        openai: { total_calls: 3, total_tokens: 60, total_cost: 0.3, cached_calls: 0, error_calls: 0, avg_latency_ms: 10 },
      });
      expect((await t.request('GET', '/api/ai/analytics/dashboard', { token: bob })).body.summary).toMatchObject({ total_api_calls: 3 });
      expect((await t.request('GET', '/api/ai/analytics/trends?days=2', { token: alice })).body.total_period_cost).toBe(0.03);
      expect((await t.request('GET', '/api/ai/analytics/performance', { token: alice })).body.summary.total_api_calls).toBe(2);
      expect((await t.request('GET', '/api/ai/analytics/optimization', { token: alice })).body.total_requests).toBe(2);
    });

    it('lets admins see everyone and filter by user, on REST', async () => {
      expect((await summary(admin)).body).toMatchObject({ total_api_calls: 7, total_cost_usd: 6.33 });
      expect((await summary(admin, `?user_id=${ids.bob}`)).body).toMatchObject({ total_api_calls: 3, total_cost_usd: 0.3 });
    });

    it('applies the same rule on GraphQL', async () => {
      const q = '{ analyticsSummary { totalApiCalls } analyticsDashboard { summary { totalApiCalls } } analyticsTrends(days: 1) { totalPeriodCost } analyticsPerformance { summary { totalApiCalls } } }';
      expect((await t.gql(q, undefined, alice)).body.data).toEqual({
        analyticsSummary: { totalApiCalls: 2 }, analyticsDashboard: { summary: { totalApiCalls: 2 } }, analyticsTrends: { totalPeriodCost: 0.03 }, analyticsPerformance: { summary: { totalApiCalls: 2 } },
      });
      expect((await t.gql(q, undefined, admin)).body.data.analyticsSummary).toEqual({ totalApiCalls: 7 });
      const forBob = `{ analyticsSummary(userId: "${ids.bob}") { totalApiCalls } }`;
      expect((await t.gql(forBob, undefined, admin)).body.data.analyticsSummary).toEqual({ totalApiCalls: 3 });
      expectGqlError(await t.gql(forBob, undefined, alice), 403, 'FORBIDDEN', 'alice asking for bob over GraphQL');
      for (const [field, selection] of GRAPHQL_READS) {
        expectGqlError(await t.gql(`{ ${field}(userId: "${ids.bob}") ${selection} }`, undefined, alice), 403, 'FORBIDDEN', field);
      }
    });

    it('exports only the caller\'s own calls to a user', async () => {
      const own = await t.request('POST', '/api/ai/analytics/export', { token: alice, body: {} });
      expect(own.status).toBe(200);
      expect(own.body.total_records).toBe(2);
      expect(own.body.filters.user_id).toBe(ids.alice);
      expect(new Set(own.body.records.map((r: { user_id: string }) => r.user_id))).toEqual(new Set([ids.alice]));
      expectError(await t.request('POST', '/api/ai/analytics/export', { token: alice, body: { user_id: ids.bob } }), 403, 'FORBIDDEN', 'export for bob');
      const csv = await t.request('POST', '/api/ai/analytics/export', { token: bob, body: { format: 'csv' } });
      expect((csv.body as string).trim().split('\r\n')).toHaveLength(1 + 3);
      const all = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: {} });
      expect(all.body.total_records).toBe(7);
      const bobs = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { user_id: ids.bob } });
      expect(bobs.body.total_records).toBe(3);
    });

    it('shows a user their own cost today and none of the alerts', async () => {
      const mine = await t.request('GET', '/api/ai/analytics/alerts', { token: alice });
      expect(mine.body).toEqual({ daily_budget_usd: null, today_cost_usd: 0.03, alerts: [] });
      expect((await t.request('GET', '/api/ai/analytics/alerts', { token: admin })).body.today_cost_usd).toBe(6.33);
      expect((await t.gql('{ budgetAlerts { todayCostUsd alerts { day } } }', undefined, bob)).body.data.budgetAlerts).toEqual({ todayCostUsd: 0.3, alerts: [] });
    });

    it('pushes a user live updates of their own figures only', async () => {
      const client = wsClient(t.url, alice);
      const seen: number[] = [];
      let failure: unknown;
      const stop = client.subscribe<{ analyticsUpdated: { summary: { totalApiCalls: number } } }>(
        { query: 'subscription { analyticsUpdated { summary { totalApiCalls } } }' },
        {
          next: (r) => (r.errors ? (failure = r.errors) : seen.push(r.data!.analyticsUpdated.summary.totalApiCalls)),
          error: (e) => (failure = e),
          complete: () => {},
        },
      );
      try {
        await expect.poll(() => seen.length, { interval: 20, timeout: 10_000 }).toBeGreaterThan(0);
        expect(seen[0]).toBe(2);
        const own = await t.request('POST', '/api/ai/local', { token: alice, body: { prompt: 'alice asks', max_tokens: 10 } });
        expect(own.status).toBe(200);
        await expect.poll(() => seen.at(-1), { interval: 20, timeout: 10_000 }).toBe(3);
        const count = seen.length;
        const other = await t.request('POST', '/api/ai/local', { token: bob, body: { prompt: 'bob asks', max_tokens: 10 } });
        expect(other.status).toBe(200);
        await expect.poll(() => seen.length, { interval: 20, timeout: 10_000 }).toBeGreaterThan(count); // bob's call was published...
        expect(seen.at(-1)).toBe(3); // ...but alice still sees only her own calls
        expect(failure).toBeUndefined();
      } finally {
        stop();
        await client.dispose();
      }
    });
  });

  describe('NUL bytes and non-UUID ids', () => {
    it('answer 400 VALIDATION_ERROR on the auth routes and mutations', async () => {
      const cases: [string, string, unknown][] = [
        ['POST', '/api/auth/login', { username: 'ad\u0000min', password: 'admin-password-for-tests' }],
        ['POST', '/api/auth/login', { username: 'admin', password: 'admin\u0000password' }],
        ['POST', '/api/auth/login', { username: '', password: 'x' }],
        ['POST', '/api/auth/users', { username: 'carol\u0000', password: 'carol-password' }],
        ['POST', '/api/auth/users', { username: 'carol', password: 'carol-pass\u0000word' }],
        ['POST', '/api/auth/api-keys', { name: 'service\u0000' }],
        ['POST', '/api/auth/api-keys', { name: 'line\nbreak' }],
        ['POST', '/api/auth/api-keys', { name: 'service', user_id: 'not-a-uuid' }],
        ['DELETE', '/api/auth/api-keys/not-a-uuid', undefined],
        ['DELETE', `/api/auth/api-keys/${randomUUID()}%00`, undefined],
      ];
      for (const [method, path, body] of cases) {
        expectError(await t.request(method, path, { token: admin, body }), 400, 'VALIDATION_ERROR', `${method} ${path} ${JSON.stringify(body)}`);
      }
      expectError(await t.request('DELETE', `/api/auth/api-keys/${randomUUID()}`, { token: admin }), 404, 'NOT_FOUND', 'unknown key');

      const gql: [string, Record<string, unknown>][] = [
        ['mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', { u: 'ad\u0000min', p: 'admin-password-for-tests' }],
        ['mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', { u: 'admin', p: 'admin\u0000' }],
        ['mutation($u: String!, $p: String!) { createUser(username: $u, password: $p) { id } }', { u: 'dave\u0000', p: 'dave-password' }],
        ['mutation($u: String!, $p: String!) { createUser(username: $u, password: $p) { id } }', { u: 'dave', p: 'dave\u0000password' }],
        ['mutation($n: String!, $id: ID) { createApiKey(name: $n, userId: $id) { id } }', { n: 'key\u0000' }],
        ['mutation($n: String!, $id: ID) { createApiKey(name: $n, userId: $id) { id } }', { n: 'key', id: 'not-a-uuid' }],
        ['mutation($n: String!, $id: ID) { createApiKey(name: $n, userId: $id) { id } }', { n: 'key', id: 12345 }],
        ['mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: 'not-a-uuid' }],
        ['mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: 7 }],
      ];
      for (const [query, variables] of gql) {
        expectGqlError(await t.gql(query, variables, admin), 400, 'VALIDATION_ERROR', `${query} ${JSON.stringify(variables)}`);
      }
      expectGqlError(await t.gql(`mutation { revokeApiKey(id: "${randomUUID()}") { id } }`, undefined, admin), 404, 'NOT_FOUND', 'unknown key over GraphQL');
    });

    it('answer 400 for control characters in path parameters and a non-UUID session id', async () => {
      for (const [method, path] of [
        ['POST', '/api/ai/loc%00al'],
        ['DELETE', '/api/ai/cache/provider/open%00ai'],
        ['DELETE', '/api/ai/cache/model/local/model%0a'],
        ['GET', '/api/ai/stream?session_id=not-a-uuid'],
      ] as const) {
        expectError(await t.request(method, path, { token: admin, body: method === 'POST' ? { prompt: 'hi' } : undefined }), 400, 'VALIDATION_ERROR', `${method} ${path}`);
      }
    });
  });

  it('neutralises formula starts after separators in CSV exports', async () => {
    await t.app.services.db.prisma.apiCall.create({
      data: { id: randomUUID(), provider: 'csvtest', model: 'x;=HYPERLINK("http://evil")', source: 'ok,+1\n@SUM(A1)', status: 'success', latencyMs: 1 },
    });
    const r = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { provider: 'csvtest', format: 'csv', include_costs: false } });
    expect(r.status).toBe(200);
    const line = (r.body as string).split('\r\n').slice(1).join('\r\n');
    expect(line).toContain(`,"csvtest","x;'=HYPERLINK(""http://evil"")","ok,'+1\n'@SUM(A1)",`);
  });
});
