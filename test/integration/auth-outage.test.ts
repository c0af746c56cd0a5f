// PostgreSQL goes away (its database stops accepting connections and its sessions are
// killed, as in analytics-outage.test.ts). Users and API keys this instance has already seen
// keep working from the cache, even after their cache entries are due to be read again;
// everything that needs the database answers 503 DEPENDENCY_UNAVAILABLE with Retry-After,
// never a 500 or a 401: unseen tokens and keys, logins, analytics reads, on REST and GraphQL.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_PG_ADMIN_URL } from '../helpers/env.js';

describe('auth while PostgreSQL is unreachable', () => {
  let t: TestApp;
  let admin: pg.Client;
  let dbName: string;
  let reachable = true;
  let adminToken: string;
  const seen = { token: '', key: '' };
  const unseen = { token: '', key: '' };

  const setReachable = async (on: boolean) => {
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${on}`);
    if (!on) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
    reachable = on;
  };
  const me = (o: { token?: string; key?: string }) => t.request('GET', '/api/auth/me', { token: o.token, headers: o.key ? { 'x-api-key': o.key } : undefined });
  const expectUnavailable = (r: { status: number; body: any; headers: Headers }) => {
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  };

  beforeAll(async () => {
    // Entries are due for a new read after a second: the outage outlasts them.
    t = await startTestApp({ backend: 'postgres+redis', env: { AUTH_CACHE_TTL_SECONDS: '1', DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    dbName = new URL(t.config.databaseUrl!).pathname.slice(1);
    admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    adminToken = await t.adminToken();
    for (const [name, target] of [['seen-user', seen], ['unseen-user', unseen]] as const) {
      const u = await t.request('POST', '/api/auth/users', { token: adminToken, body: { username: name, password: 'user-password-1' } });
      target.token = (await t.request('POST', '/api/auth/login', { body: { username: name, password: 'user-password-1' } })).body.access_token;
      target.key = (await t.request('POST', '/api/auth/api-keys', { token: adminToken, body: { name: 'svc', user_id: u.body.id } })).body.api_key;
    }
    for (const credential of [{ token: adminToken }, { token: seen.token }, { key: seen.key }]) expect((await me(credential)).status).toBe(200);
    await setReachable(false);
  });
  afterAll(async () => {
    if (!reachable) await setReachable(true);
    await admin?.end();
    await t?.stop();
  });

  it('keeps serving the users and keys it has seen, from the cache, once their entries are stale', async () => {
    // Wait until the cache has actually answered for the unreachable database.
    await expect
      .poll(async () => {
        const answers = await Promise.all([me({ token: seen.token }), me({ key: seen.key })]);
        expect(answers.map((r) => r.status)).toEqual([200, 200]);
        return t.app.services.auth.stats().staleServed;
      }, { interval: 100, timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const completion = await t.request('POST', '/api/ai/local', { headers: { 'x-api-key': seen.key }, body: { prompt: 'during the outage', max_tokens: 8 } });
    expect(completion.status).toBe(200);
    expect((await t.gql('{ me { username } }', undefined, seen.token)).body.data.me.username).toBe('seen-user');
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE, not 401 or 500, for tokens and keys it has not seen', async () => {
    expectUnavailable(await me({ token: unseen.token }));
    expectUnavailable(await me({ key: unseen.key }));
    const gql = await t.request('POST', '/graphql', { headers: { 'x-api-key': unseen.key }, body: { query: '{ me { username } }' } });
    expect(gql.status).toBe(503);
    expect(gql.body.errors[0].extensions.code).toBe('DEPENDENCY_UNAVAILABLE');
    // A credential that is not valid at all is still a 401: no database needed to say so.
    expect((await me({ token: 'not-a-token' })).status).toBe(401);
  });

  it('answers logins with 503 DEPENDENCY_UNAVAILABLE on REST and GraphQL', async () => {
    expectUnavailable(await t.request('POST', '/api/auth/login', { body: { username: 'seen-user', password: 'user-password-1' } }));
    const gql = await t.gql('mutation { login(username: "seen-user", password: "user-password-1") { accessToken } }');
    expect(gql.body.errors[0].extensions.code).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('answers analytics reads with 503 DEPENDENCY_UNAVAILABLE on REST and GraphQL', async () => {
    for (const path of ['/api/ai/analytics/summary', '/api/ai/analytics/providers', '/api/ai/analytics/dashboard']) {
      expectUnavailable(await t.request('GET', path, { token: adminToken }));
    }
    const gql = await t.gql('{ analyticsSummary { totalApiCalls } }', undefined, adminToken);
    expect(gql.status).toBe(503);
    expect(gql.body.errors[0].extensions.code).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('recovers when the database is back: the unseen token and logins work', async () => {
    await setReachable(true);
    await expect.poll(async () => (await me({ token: unseen.token })).status, { interval: 100, timeout: 15_000 }).toBe(200);
    expect((await me({ key: unseen.key })).status).toBe(200);
    expect((await t.request('POST', '/api/auth/login', { body: { username: 'seen-user', password: 'user-password-1' } })).status).toBe(200);
  });
});
