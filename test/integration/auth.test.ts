// Authentication hardening on both storage backends: no built-in JWT secret (one generated
// per database and kept across restarts), tokens must expire, disabled and deleted users are
// refused at once, login throttling per username and per address, and login bursts bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const TEST_SECRET = 'test-secret-test-secret-test-secret-123';

async function login(t: TestApp, username: string, password: string, headers?: Record<string, string>) {
  return t.request('POST', '/api/auth/login', { body: { username, password }, headers });
}

async function createUser(t: TestApp, admin: string, username: string, role = 'user') {
  const r = await t.request('POST', '/api/auth/users', { token: admin, body: { username, password: 'user-password-1', role } });
  expect(r.status).toBe(201);
  const token = (await login(t, username, 'user-password-1')).body.access_token as string;
  return { id: r.body.id as string, token };
}

describe.each(BACKENDS)('auth on %s', (backend) => {
  let t: TestApp;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp({ backend, env: { LOGIN_MAX_FAILURES_PER_USER: '3', LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_QUEUE_MAX: '16' } });
    admin = await t.adminToken();
    adminId = (await t.request('GET', '/api/auth/me', { token: admin })).body.user_id;
  });
  afterAll(() => t?.stop());

  it('issues tokens that expire, and refuses a correctly signed token without exp', async () => {
    const claims = jwt.decode(admin) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(24 * 3600);
    const forever = jwt.sign({ username: 'admin', role: 'admin' }, TEST_SECRET, { algorithm: 'HS256', subject: adminId });
    expect((await t.request('GET', '/api/auth/me', { token: forever })).status).toBe(401);
    const expiring = jwt.sign({ username: 'admin', role: 'admin' }, TEST_SECRET, { algorithm: 'HS256', subject: adminId, expiresIn: 60 });
    expect((await t.request('GET', '/api/auth/me', { token: expiring })).status).toBe(200);
  });

  it('takes name and role from the user record, not from what the token claims', async () => {
    const u = await createUser(t, admin, `plain-${backend.slice(0, 3)}`);
    const claimsAdmin = jwt.sign({ username: 'admin', role: 'admin' }, TEST_SECRET, { algorithm: 'HS256', subject: u.id, expiresIn: 60 });
    const me = await t.request('GET', '/api/auth/me', { token: claimsAdmin });
    expect(me.body).toMatchObject({ user_id: u.id, role: 'user' });
    expect((await t.request('DELETE', '/api/ai/cache', { token: claimsAdmin })).status).toBe(403);
  });

  it('disables a user over REST: their token and API key stop working at once, login says so; enabling revives the key, not the token', async () => {
    const u = await createUser(t, admin, `dis-${backend.slice(0, 3)}`);
    const key = (await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', user_id: u.id } })).body.api_key as string;
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);

    const disabled = await t.request('PATCH', `/api/auth/users/${u.id}`, { token: admin, body: { disabled: true } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: u.id, role: 'user' });
    expect(Date.parse(disabled.body.disabled_at)).not.toBeNaN();
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(401);
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(401);
    const refused = await login(t, `dis-${backend.slice(0, 3)}`, 'user-password-1');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: 'FORBIDDEN', message: 'This account is disabled' });

    const enabled = await t.request('PATCH', `/api/auth/users/${u.id}`, { token: admin, body: { disabled: false } });
    expect(enabled.body.disabled_at).toBeNull();
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(401);
    const again = await login(t, `dis-${backend.slice(0, 3)}`, 'user-password-1');
    expect(again.status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { token: again.body.access_token })).status).toBe(200);

    const listed = await t.request('GET', '/api/auth/users', { token: admin });
    expect(listed.body.users.find((x: { id: string }) => x.id === u.id)).toMatchObject({ username: `dis-${backend.slice(0, 3)}`, disabled_at: null });
  });

  it('deletes a user over REST: token and API key refused at once, the user is gone', async () => {
    const u = await createUser(t, admin, `del-${backend.slice(0, 3)}`);
    const key = (await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', user_id: u.id } })).body.api_key as string;
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    const deleted = await t.request('DELETE', `/api/auth/users/${u.id}`, { token: admin });
    expect(deleted.body).toEqual({ status: 'success', id: u.id, username: `del-${backend.slice(0, 3)}` });
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(401);
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(401);
    expect((await t.request('DELETE', `/api/auth/users/${u.id}`, { token: admin })).status).toBe(404);
  });

  it('does the same through GraphQL mutations, admins only', async () => {
    const u = await createUser(t, admin, `gql-${backend.slice(0, 3)}`);
    const forbidden = await t.gql('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: adminId }, u.token);
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const d = await t.gql('mutation($id: ID!) { disableUser(id: $id) { id username disabledAt } }', { id: u.id }, admin);
    expect(d.body.data.disableUser).toMatchObject({ id: u.id, username: `gql-${backend.slice(0, 3)}` });
    expect(d.body.data.disableUser.disabledAt).not.toBeNull();
    expect((await t.gql('{ me { username } }', undefined, u.token)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const e = await t.gql('mutation($id: ID!) { enableUser(id: $id) { disabledAt } }', { id: u.id }, admin);
    expect(e.body.data.enableUser.disabledAt).toBeNull();
    const users = await t.gql('{ users { id username disabledAt } }', undefined, admin);
    expect(users.body.data.users.map((x: { id: string }) => x.id)).toContain(u.id);

    const del = await t.gql('mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: u.id }, admin);
    expect(del.body.data.deleteUser.id).toBe(u.id);
    const missing = await t.gql('mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: u.id }, admin);
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('accepts a password hashed with bcrypt before, then stores it as scrypt', async () => {
    const prisma = t.app.services.db.prisma;
    const username = `legacy-${backend.slice(0, 3)}`;
    await prisma.user.create({ data: { username, passwordHash: bcrypt.hashSync('legacy-password', 4) } });
    expect((await login(t, username, 'legacy-password')).status).toBe(200);
    const stored = await prisma.user.findUniqueOrThrow({ where: { username } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect((await login(t, username, 'legacy-password')).status).toBe(200);
  });

  it('refuses to disable or delete oneself, bad ids and bad bodies with 4xx', async () => {
    expect((await t.request('DELETE', `/api/auth/users/${adminId}`, { token: admin })).status).toBe(400);
    expect((await t.request('PATCH', `/api/auth/users/${adminId}`, { token: admin, body: { disabled: true } })).status).toBe(400);
    expect((await t.request('DELETE', '/api/auth/users/not-a-uuid', { token: admin })).body.error.code).toBe('VALIDATION_ERROR');
    expect((await t.request('PATCH', `/api/auth/users/${crypto.randomUUID()}`, { token: admin, body: { disabled: 'yes' } })).status).toBe(400);
    expect((await t.request('PATCH', `/api/auth/users/${crypto.randomUUID()}`, { token: admin, body: { disabled: true } })).status).toBe(404);
    const gql = await t.gql('mutation { deleteUser(id: "x\\u0000") { id } }', undefined, admin);
    expect(gql.body.errors[0].extensions.code).toBe('VALIDATION_ERROR');
    expect((await t.request('GET', '/api/auth/me', { token: admin })).status).toBe(200);
  });

  it('throttles failed logins per username with 429 and Retry-After; a success resets the count', async () => {
    const name = `thr-${backend.slice(0, 3)}`;
    await createUser(t, admin, name);
    for (let i = 0; i < 2; i++) expect((await login(t, name, 'wrong-password')).status).toBe(401);
    expect((await login(t, name, 'user-password-1')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(t, name, 'wrong-password')).status).toBe(401);
    const limited = await login(t, name, 'user-password-1');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const gql = await t.gql(`mutation { login(username: "${name}", password: "user-password-1") { accessToken } }`);
    expect(gql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(gql.body.errors[0].extensions.retryAfter).toBeGreaterThanOrEqual(1);
    // Other accounts are not affected.
    expect((await login(t, 'admin', 'admin-password-for-tests')).status).toBe(200);
  });

  it('bounds a burst of 200 parallel logins: every answer is 200, or 503 with Retry-After, never a 500', async () => {
    const burst = Array.from({ length: 200 }, () => login(t, 'admin', 'admin-password-for-tests'));
    // Other traffic is still served while the burst is queued.
    const meanwhile = await t.request('GET', '/api/auth/me', { token: admin });
    const answers = await Promise.all(burst);
    expect(meanwhile.status).toBe(200);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    for (const r of answers.filter((a) => a.status === 503)) {
      expect(r.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
  });
});

describe('login throttling per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'embedded', env: { LOGIN_MAX_FAILURES_PER_IP: '4', TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(() => t?.stop());

  it('counts failures across usernames from one address, not from others', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 4; i++) expect((await login(t, `nobody-${i}`, 'wrong-password', from('203.0.113.9'))).status).toBe(401);
    const limited = await login(t, 'admin', 'admin-password-for-tests', from('203.0.113.9'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/from this address/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await login(t, 'admin', 'admin-password-for-tests', from('203.0.113.10'))).status).toBe(200);
  });
});

describe('refusing a burst the login queue cannot hold', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres+redis', env: { LOGIN_CONCURRENCY: '1', LOGIN_QUEUE_MAX: '2', DATABASE_POOL_SIZE: '2' } });
  });
  afterAll(() => t?.stop());

  it('answers 503 + Retry-After beyond the queue, and the queued logins succeed', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => login(t, 'admin', 'admin-password-for-tests')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain(503);
    expect(answers.find((r) => r.status === 503)!.headers.get('retry-after')).toBe('1');
  });
});

describe.each(BACKENDS)('generated JWT secret on %s', (backend) => {
  let dataDir: string | undefined;
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs with a random secret kept in the database: not the old constant, and sessions survive a restart', async () => {
    dataDir = backend === 'embedded' ? mkdtempSync(join(tmpdir(), 'aigw-secret-')) : undefined;
    const env = { JWT_SECRET: '', ...(dataDir ? { DATA_DIR: dataDir } : {}) };
    const first = await startTestApp({ backend, env });
    expect(first.config.jwtSecret).toBeUndefined();
    const token = await first.adminToken();
    expect(() => jwt.verify(token, 'dev-only-insecure-secret-change-me-please-0001')).toThrow(/signature/);
    expect(() => jwt.verify(token, TEST_SECRET)).toThrow(/signature/);
    await first.stop({ cleanup: false });

    const second = await startTestApp({ backend, env, share: { databaseUrl: first.config.databaseUrl } });
    try {
      expect((await second.request('GET', '/api/auth/me', { token })).status).toBe(200);
    } finally {
      await second.stop();
      await first.stop(); // drops the database the two shared
    }
  }, 120_000); // two boots of a persisted embedded database
});
