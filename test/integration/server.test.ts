// The foundation through real sockets: health, readiness, auth (JWT and API
// keys), REST and GraphQL error shapes, on both storage backends.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { startMockUpstream } from '../mock-upstream/server.js';

describe.each(BACKENDS)('server on %s', (backend) => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ backend, env: { MAX_BODY_BYTES: '2048' } });
    admin = await t.adminToken();
  });
  afterAll(() => t?.stop());

  it('answers /health and /ready with details', async () => {
    expect((await t.request('GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.database).toMatchObject({ ok: true, backend: backend === 'embedded' ? 'pglite' : 'postgresql' });
    expect(ready.body.redis).toMatchObject({ ok: true, backend: backend === 'embedded' ? 'memory' : 'redis' });
  });

  it('logs in as the guide shows and rejects bad credentials', async () => {
    const ok = await t.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin-password-for-tests' } });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('bearer');
    expect(ok.body.access_token.split('.')).toHaveLength(3);
    const bad = await t.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'wrong' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ status: 'error', error: { code: 'UNAUTHENTICATED', message: 'Invalid username or password' } });
    const missing = await t.request('POST', '/api/auth/login', { body: { username: 'admin' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('logs in through the GraphQL login mutation without a token', async () => {
    const r = await t.gql('mutation { login(username: "admin", password: "admin-password-for-tests") { accessToken tokenType } }');
    expect(r.body.data.login.tokenType).toBe('bearer');
    const me = await t.gql('{ me { username role } }', undefined, r.body.data.login.accessToken);
    expect(me.body.data.me).toEqual({ username: 'admin', role: 'admin' });
  });

  it('requires a token on /api/ai and on GraphQL operations but login and health', async () => {
    const rest = await t.request('GET', '/api/ai/providers');
    expect(rest.status).toBe(401);
    expect(rest.body.status).toBe('error');
    expect(rest.body.error.code).toBe('UNAUTHENTICATED');
    const forged = await t.request('GET', '/api/ai/providers', { token: admin.slice(0, -3) + 'abc' });
    expect(forged.status).toBe(401);
    const gql = await t.gql('{ providers { name } }');
    expect(gql.status).toBe(401);
    expect(gql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await t.gql('{ health }')).body.data.health).toBe('ok');
  });

  it('answers malformed JSON 400, oversize 413, unknown route 404, wrong method 405', async () => {
    const malformed = await t.request('POST', '/api/auth/login', { body: '{"username": ' });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
    const big = await t.request('POST', '/api/auth/login', { body: { username: 'x'.repeat(5000), password: 'y' } });
    expect([big.status, big.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const unknown = await t.request('GET', '/api/nothing-here', { token: admin });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const method = await t.request('GET', '/api/auth/login');
    expect([method.status, method.body.error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(method.headers.get('allow')).toBe('POST');
    // The route a path resolves to is remembered: the same answers a second time.
    const again = await t.request('GET', '/api/auth/login');
    expect([again.status, again.headers.get('allow')]).toEqual([405, 'POST']);
    const badEncoding = await t.request('POST', '/api/ai/%E0%A4', { token: admin, body: { prompt: 'hi' } });
    expect([badEncoding.status, badEncoding.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    expect((await t.request('GET', '/health')).status).toBe(200);
    const badCookie = await t.request('GET', '/api/ai/stream?provider=local&prompt=hi', { headers: { cookie: 'aigw_token=%E0%A4' } });
    expect([badCookie.status, badCookie.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('reads bodies that arrive in pieces, with or without a length, and bounds chunked ones', async () => {
    /** A raw HTTP/1.1 exchange: the request written in pieces, each sent on its own before the next. */
    const raw = (pieces: string[]) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const u = new URL(t.url);
        const socket = net.connect(Number(u.port), u.hostname);
        let data = '';
        socket.on('data', (d) => (data += d.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head, ...rest] = data.split('\r\n\r\n');
          const body = rest.join('\r\n\r\n');
          const chunked = /transfer-encoding: chunked/i.test(head!);
          resolve({ status: Number(head!.split(' ')[1]), body: JSON.parse(chunked ? body.split('\r\n')[1]! : body) });
        });
        socket.setNoDelay(true);
        socket.on('connect', async () => {
          for (const p of pieces) await new Promise((r) => socket.write(p, r));
        });
      });
    const login = JSON.stringify({ username: 'admin', password: 'admin-password-for-tests' });
    const head = (extra: string) => `POST /api/auth/login HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n${extra}\r\n`;
    const split = await raw([head(`content-length: ${login.length}\r\n`) + login.slice(0, 10), login.slice(10)]);
    expect(split.status).toBe(200);
    expect(split.body.token_type).toBe('bearer');
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const chunked = await raw([head('transfer-encoding: chunked\r\n') + chunk(login.slice(0, 10)), chunk(login.slice(10)) + '0\r\n\r\n']);
    expect(chunked.status).toBe(200);
    const big = 'x'.repeat(1500);
    const tooBig = await raw([head('transfer-encoding: chunked\r\n') + chunk(`{"username":"${big}",`), chunk(`"password":"${big}"}`) + '0\r\n\r\n']);
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('lets admins create, use, list and revoke API keys', async () => {
    const created = await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'batch-service' } });
    expect(created.status).toBe(201);
    const key: string = created.body.api_key;
    expect(key).toMatch(/^aigw_/);
    expect((await t.request('GET', '/api/auth/me', { token: key })).body).toMatchObject({ username: 'admin', via: 'api_key' });
    expect((await t.request('GET', '/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    const list = await t.request('GET', '/api/auth/api-keys', { token: admin });
    const listed = list.body.api_keys.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'batch-service', revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(key); // shown once only
    const revoked = await t.request('DELETE', `/api/auth/api-keys/${created.body.id}`, { token: admin });
    expect(revoked.status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { token: key })).status).toBe(401);
  });

  it('keeps admin-only operations from users', async () => {
    const u = await t.request('POST', '/api/auth/users', { token: admin, body: { username: `bob-${backend.length}`, password: 'bob-password' } });
    expect(u.status).toBe(201);
    const login = await t.request('POST', '/api/auth/login', { body: { username: `bob-${backend.length}`, password: 'bob-password' } });
    const bob = login.body.access_token;
    const r = await t.request('POST', '/api/auth/api-keys', { token: bob, body: { name: 'x' } });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const g = await t.gql('mutation { createApiKey(name: "x") { key } }', undefined, bob);
    expect(g.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const clear = await t.request('DELETE', '/api/ai/cache', { token: bob });
    expect(clear.status).toBe(403);
  });

  it('serves GraphQL over SSE', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    expect(text).toContain('"username":"admin"');
  });
});

describe('graphql-ws and graceful shutdown', () => {
  it('runs operations over graphql-ws on /graphql with the token in connectionParams', async () => {
    const { wsClient, collect } = await import('../helpers/ws.js');
    const { MeDocument } = await import('../generated/graphql.js');
    const { print } = await import('graphql');
    const t = await startTestApp({ backend: 'embedded' });
    try {
      const token = await t.adminToken();
      const authed = wsClient(t.url, token);
      const r = await collect(authed, { query: print(MeDocument) });
      expect(r.results[0].data.me).toMatchObject({ username: 'admin', via: 'jwt' });
      await authed.dispose();
      // Without a valid token the connection itself is refused (graphql-ws's 4403 Forbidden).
      const anonymous = wsClient(t.url);
      const denied = await collect(anonymous, { query: print(MeDocument) });
      expect(denied.results).toEqual([]);
      expect((denied.error as { code: number }).code).toBe(4403);
      await anonymous.dispose();
    } finally {
      await t.stop();
    }
  });

  it('lets an in-flight request finish when stopping, then refuses new connections', async () => {
    const mock = await startMockUpstream();
    const t = await startTestApp({ backend: 'embedded', env: mockProviderEnv(mock, { ENABLE_CACHING: 'false' }) });
    try {
      const token = await t.adminToken();
      let release!: () => void;
      mock.enqueue('openai', { hold: new Promise<void>((r) => (release = r)) });
      const inFlight = t.request('POST', '/api/ai/openai', { token, body: { prompt: 'slow one' } });
      await expect.poll(() => mock.count('openai'), { timeout: 10_000 }).toBe(1); // the request is at the upstream
      const stopped = t.stop();
      release();
      const r = await inFlight;
      expect([r.status, r.body.status]).toEqual([200, 'success']);
      await stopped;
      await expect(fetch(`${t.url}/health`)).rejects.toThrow();
    } finally {
      await t.stop();
      await mock.close();
    }
  });
});
