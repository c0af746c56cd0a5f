// Key budgets and limits across two gateway instances sharing PostgreSQL and Redis: 50
// concurrent calls on a key whose budget covers 10 (exactly 10 answered, the exact spend
// recorded), tokens and requests per minute and concurrent requests counted once for both,
// and changes to a key (revocation, expiry, allow-list) reaching the other instance through
// the invalidation event. The auth cache TTL is an hour: only the invalidation explains it.
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/optimize/tokenizer.js';
import { NANO } from '../../src/governance/governance.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { mockProviderEnv } from '../helpers/mock-env.js';

const MODEL = 'gpt-4o-mini';

describe('key budgets and limits across two instances sharing PostgreSQL and Redis', () => {
  let mock: MockUpstream;
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  let callCost: number;

  beforeAll(async () => {
    mock = await startMockUpstream();
    const env = mockProviderEnv(mock, { ENABLE_CACHING: 'false', AUTH_CACHE_TTL_SECONDS: '3600', REQUEST_TIMEOUT_MS: '20000' });
    a = await startTestApp({ backend: 'postgres+redis', env });
    b = await startTestApp({ backend: 'postgres+redis', env, share: { databaseUrl: a.config.databaseUrl, redisPrefix: a.config.redisKeyPrefix } });
    admin = await a.adminToken();
    // One minute window for the whole file, the same on both: per-minute counts cannot roll over mid-test.
    const pinned = Date.now();
    a.app.services.governance.now = () => pinned;
    b.app.services.governance.now = () => pinned;
    const probe = await ask(a, admin, 100);
    expect(probe.status).toBe(200);
    callCost = probe.body.estimated_cost;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  /** Numbered prompts from 100 to 999 have the same token count. */
  const ask = (t: TestApp, token: string, n: number, extra: Record<string, unknown> = {}) =>
    t.request('POST', '/api/ai/openai', { token, body: { prompt: `budget call ${n}`, model: MODEL, max_tokens: 5, ...extra } });
  const newKey = async (fields: Record<string, unknown> = {}) => {
    const r = await a.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', ...fields } });
    expect(r.status).toBe(201);
    return r.body as { id: string; api_key: string };
  };
  /**
   * Resolves once instance `t` has applied an invalidation (its pub/sub event), whatever the
   * clock; or once its pub/sub connection dropped or came back (the message may be lost then,
   * but everything cached is read again).
   */
  const invalidated = (t: TestApp) => once(t.app.services.auth.events, 'invalidated');

  it('answers exactly 10 of 50 concurrent calls on a key whose budget covers 10, and records the exact spend', async () => {
    const k = await newKey({ max_budget_usd_total: callCost * 10.5 });
    const calls = Array.from({ length: 50 }, (_, i) => ask(i % 2 ? b : a, k.api_key, 200 + i));
    const answers = await Promise.all(calls);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(answers.filter((r) => r.status !== 200).map((r) => r.body.error.code)).toEqual(Array(40).fill('BUDGET_EXCEEDED'));
    expect(mock.count('openai')).toBe(10);

    // The shared counter holds what the ten calls cost, to the nano-dollar.
    const counter = await a.app.services.kv.get(`gov:key:${k.id}:usd:t`);
    expect(Number(counter)).toBe(10 * Math.round(callCost * NANO));
    await Promise.all([a.app.services.recorder.flush(), b.app.services.recorder.flush()]);
    const recorded = await a.app.services.db.prisma.apiCall.aggregate({ where: { apiKeyId: k.id }, _sum: { costUsd: true }, _count: true });
    expect(recorded._count).toBe(10);
    expect(recorded._sum.costUsd).toBeCloseTo(10 * callCost, 12);
    const spend = await b.request('GET', `/api/admin/spend?group_by=key&ids=${k.id}`, { token: admin });
    expect(spend.body.spend[0]).toMatchObject({ id: k.id, calls: 10 });
    expect(spend.body.spend[0].total_usd).toBeCloseTo(10 * callCost, 12);
  });

  it('counts tokens and requests per minute once for both instances', async () => {
    const k = await newKey({ tpm: 60, rpm: 3 });
    const first = await ask(a, k.api_key, 300);
    expect(first.status).toBe(200);
    const used = first.body.input_tokens + first.body.output_tokens;
    const left = 60 - used;
    const over = await ask(b, k.api_key, 301, { max_tokens: left - countTokens('budget call 301', MODEL) + 1 });
    expect([over.status, over.body.error.code, over.headers.get('x-ratelimit-remaining-tokens')]).toEqual([429, 'TOKEN_LIMITED', String(left)]);
    const fits = await ask(b, k.api_key, 302, { max_tokens: left - countTokens('budget call 302', MODEL) });
    expect(fits.status).toBe(200);
    // Requests: one on a, one on b; the refused TOKEN_LIMITED attempt did not count.
    expect(fits.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const k2 = await newKey({ rpm: 3 });
    expect((await ask(a, k2.api_key, 303)).status).toBe(200);
    expect((await ask(b, k2.api_key, 304)).status).toBe(200);
    expect((await ask(a, k2.api_key, 305)).status).toBe(200);
    const limited = await ask(b, k2.api_key, 306);
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  });

  it('counts concurrent requests once for both instances', async () => {
    const k = await newKey({ max_parallel: 2 });
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    mock.enqueue('openai', { hold });
    mock.enqueue('openai', { hold });
    const inFlight = [ask(a, k.api_key, 310), ask(b, k.api_key, 311)];
    await expect.poll(() => mock.count('openai'), { interval: 10, timeout: 10_000 }).toBe(2);
    for (const t of [a, b]) expect((await ask(t, k.api_key, 312)).body.error.code).toBe('CONCURRENCY_LIMITED');
    release();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect((await ask(b, k.api_key, 313)).status).toBe(200);
  });

  it('applies a revocation, an expiry and a new allow-list on the other instance once its invalidation arrives', async () => {
    const k = await newKey();
    expect((await ask(b, k.api_key, 320)).status).toBe(200);

    let seen = invalidated(b);
    expect((await a.request('PATCH', `/api/admin/api-keys/${k.id}`, { token: admin, body: { allowed_models: ['anthropic/*'] } })).status).toBe(200);
    await seen;
    expect((await ask(b, k.api_key, 321)).body.error.code).toBe('MODEL_NOT_ALLOWED');

    seen = invalidated(b);
    const past = new Date(Date.now() - 1000).toISOString();
    expect((await a.request('PATCH', `/api/admin/api-keys/${k.id}`, { token: admin, body: { expires_at: past, allowed_models: [] } })).status).toBe(200);
    await seen;
    const expired = await ask(b, k.api_key, 322);
    expect([expired.status, expired.body.error.code]).toEqual([401, 'KEY_EXPIRED']);

    const k2 = await newKey();
    expect((await ask(b, k2.api_key, 323)).status).toBe(200);
    seen = invalidated(b);
    expect((await a.request('DELETE', `/api/auth/api-keys/${k2.id}`, { token: admin })).status).toBe(200);
    await seen;
    expect((await ask(b, k2.api_key, 324)).status).toBe(401);
  });

  it("applies a team's new limits on the other instance once its invalidation arrives", async () => {
    const team = (await a.request('POST', '/api/admin/teams', { token: admin, body: { name: 'multi-team' } })).body;
    const k = await newKey({ team_id: team.id });
    expect((await ask(b, k.api_key, 330)).status).toBe(200);
    const seen = invalidated(b);
    expect((await a.request('PATCH', `/api/admin/teams/${team.id}`, { token: admin, body: { allowed_models: ['openai/gpt-4o'] } })).status).toBe(200);
    await seen;
    const refused = await ask(b, k.api_key, 331);
    expect([refused.status, refused.body.error.code, refused.body.error.details.scope]).toEqual([403, 'MODEL_NOT_ALLOWED', 'team']);
    expect((await ask(b, k.api_key, 332, { model: 'gpt-4o' })).status).toBe(200);
  });
});
