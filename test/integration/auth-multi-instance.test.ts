// Two gateway instances on one PostgreSQL and one Redis, neither given JWT_SECRET: they share
// the generated secret, and revoking a key or disabling/deleting a user on one reaches the
// other through the pub/sub. The cache TTL is an hour here, so nothing but the invalidation
// can explain the other instance refusing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const env = { JWT_SECRET: '', AUTH_CACHE_TTL_SECONDS: '3600', LOGIN_MAX_FAILURES_PER_USER: '2' };
/** How long an invalidation may take to reach the other instance (the bound). */
const PROPAGATION_MS = 1_000;

describe('auth across two instances sharing PostgreSQL and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: string;

  beforeAll(async () => {
    a = await startTestApp({ backend: 'postgres+redis', env });
    b = await startTestApp({ backend: 'postgres+redis', env, share: { databaseUrl: a.config.databaseUrl, redisPrefix: a.config.redisKeyPrefix } });
    admin = await a.adminToken();
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  async function user(name: string) {
    const created = await a.request('POST', '/api/auth/users', { token: admin, body: { username: name, password: 'user-password-1' } });
    const token = (await b.request('POST', '/api/auth/login', { body: { username: name, password: 'user-password-1' } })).body.access_token as string;
    const key = (await a.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', user_id: created.body.id } })).body;
    return { id: created.body.id as string, token, key: key.api_key as string, keyId: key.id as string };
  }
  const me = (t: TestApp, o: { token?: string; key?: string }) => t.request('GET', '/api/auth/me', { token: o.token, headers: o.key ? { 'x-api-key': o.key } : undefined });

  it('accepts on one instance the tokens the other issued (one generated secret per database)', async () => {
    expect(a.config.jwtSecret).toBeUndefined();
    expect((await me(b, { token: admin })).body).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('refuses a revoked API key on the other instance within a second', async () => {
    const u = await user('multi-key');
    expect((await me(b, { key: u.key })).status).toBe(200);
    expect((await a.request('DELETE', `/api/auth/api-keys/${u.keyId}`, { token: admin })).status).toBe(200);
    await expect.poll(async () => (await me(b, { key: u.key })).status, { interval: 20, timeout: PROPAGATION_MS }).toBe(401);
    expect((await me(a, { key: u.key })).status).toBe(401);
  });

  it("refuses a disabled user's token and key on the other instance at once", async () => {
    const u = await user('multi-disable');
    expect((await me(b, { token: u.token })).status).toBe(200);
    expect((await me(b, { key: u.key })).status).toBe(200);
    expect((await a.request('PATCH', `/api/auth/users/${u.id}`, { token: admin, body: { disabled: true } })).status).toBe(200);
    await expect.poll(async () => (await me(b, { token: u.token })).status, { interval: 20, timeout: PROPAGATION_MS }).toBe(401);
    expect((await me(b, { key: u.key })).status).toBe(401);
  });

  it("refuses a deleted user's token and key on the other instance at once", async () => {
    const u = await user('multi-delete');
    expect((await me(b, { token: u.token })).status).toBe(200);
    expect((await me(b, { key: u.key })).status).toBe(200);
    expect((await a.gql('mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: u.id }, admin)).body.data.deleteUser.id).toBe(u.id);
    await expect.poll(async () => (await me(b, { token: u.token })).status, { interval: 20, timeout: PROPAGATION_MS }).toBe(401);
    expect((await me(b, { key: u.key })).status).toBe(401);
  });

  it('counts failed logins on both instances against one limit', async () => {
    await user('multi-throttle');
    const attempt = (t: TestApp, password: string) => t.request('POST', '/api/auth/login', { body: { username: 'multi-throttle', password } });
    expect((await attempt(a, 'wrong-password')).status).toBe(401);
    expect((await attempt(b, 'wrong-password')).status).toBe(401);
    const limited = await attempt(a, 'user-password-1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await attempt(b, 'user-password-1')).status).toBe(429);
  });
});
