// Virtual keys, teams and budgets on one instance (both backends): the key fields answered
// back, teams, every refusal code through REST and GraphQL, the rate-limit headers, the
// cache passing for free, and the spend recorded per key, team and user.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/optimize/tokenizer.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';

const MODEL = 'gpt-4o-mini';
const COMPLETION = `mutation($input: CompletionInput!) { completion(input: $input) { response estimatedCost cached } }`;

describe.each(BACKENDS)('keys, teams and budgets on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let admin: string;
  /** What one call of `ask` costs (same token counts for every numbered prompt). */
  let callCost: number;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock, { ENABLE_CACHING: 'true', REQUEST_TIMEOUT_MS: '10000' }) });
    admin = await t.adminToken();
    // One minute window for the whole file: the per-minute counts cannot roll over mid-test.
    const pinned = Date.now();
    t.app.services.governance.now = () => pinned;
    const probe = await ask(admin, 100);
    expect(probe.status).toBe(200);
    callCost = probe.body.estimated_cost;
    expect(callCost).toBeCloseTo((probe.body.input_tokens * 0.15 + 5 * 0.6) / 1e6, 12);
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  /** A call with a numbered prompt: the same tokens for every n from 100 to 999, a different cache key each. */
  const ask = (token: string, n: number, extra: Record<string, unknown> = {}) =>
    t.request('POST', '/api/ai/openai', { token, body: { prompt: `budget call ${n}`, model: MODEL, max_tokens: 5, ...extra } });
  const newKey = async (fields: Record<string, unknown> = {}) => {
    const r = await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'svc', ...fields } });
    expect(r.status).toBe(201);
    return r.body as { id: string; api_key: string } & Record<string, unknown>;
  };
  const gqlAsk = (token: string, n: number, extra: Record<string, unknown> = {}) =>
    t.gql(COMPLETION, { input: { prompt: `budget call ${n}`, provider: 'openai', model: MODEL, maxTokens: 5, ...extra } }, token);

  it('creates a key with every field, answers them back, lists them, and never shows the key again', async () => {
    const team = await t.request('POST', '/api/admin/teams', { token: admin, body: { name: `team-${backend}`, rpm: 100, tags: ['eng'] } });
    expect(team.status).toBe(201);
    const fields = {
      max_budget_usd_per_day: 1.5, max_budget_usd_per_month: 20, max_budget_usd_total: 100, rpm: 60, tpm: 10_000, max_parallel: 4,
      allowed_models: ['openai/*', 'anthropic/claude-3-5-sonnet*'], expires_at: '2030-01-01T00:00:00.000Z', team_id: team.body.id, tags: ['svc', 'prod'],
    };
    const k = await newKey(fields);
    expect(k).toMatchObject({ ...fields, name: 'svc', revoked_at: null });
    expect(k.api_key).toMatch(/^aigw_/);
    const list = await t.request('GET', '/api/auth/api-keys', { token: admin });
    const listed = list.body.api_keys.find((x: { id: string }) => x.id === k.id);
    expect(listed).toMatchObject({ ...fields, spend: { total_usd: 0, calls: 0 } });
    expect(JSON.stringify(list.body)).not.toContain(k.api_key);

    // GraphQL answers the same fields, camelCase.
    const g = await t.gql(`mutation($l: ApiKeyLimitsInput) { createApiKey(name: "g", limits: $l) { key apiKey { rpm tpm maxParallel allowedModels expiresAt teamId tags maxBudgetUsdTotal } } }`,
      { l: { rpm: 5, tpm: 500, maxParallel: 2, allowedModels: ['openai/gpt-4o*'], expiresAt: '2030-01-01T00:00:00.000Z', teamId: team.body.id, tags: ['x'], maxBudgetUsdTotal: 3 } }, admin);
    expect(g.body.data.createApiKey.apiKey).toEqual({
      rpm: 5, tpm: 500, maxParallel: 2, allowedModels: ['openai/gpt-4o*'], expiresAt: '2030-01-01T00:00:00.000Z', teamId: team.body.id, tags: ['x'], maxBudgetUsdTotal: 3,
    });

    // Bad fields: a clear 400 naming the field.
    for (const [body, field] of [
      [{ rpm: 0 }, 'rpm'], [{ max_budget_usd_total: -1 }, 'max_budget_usd_total'], [{ allowed_models: ['bad pattern'] }, 'allowed_models.0'],
      [{ expires_at: 'tomorrow' }, 'expires_at'], [{ team_id: 'x' }, 'team_id'], [{ alert_webhook_url: 'ftp://x.example/' }, 'alert_webhook_url'],
      [{ alert_webhook_url: 'http://127.0.0.1:9/hook' }, 'alert_webhook_url'], [{ alert_webhook_url: 'http://[::1]/' }, 'alert_webhook_url'],
      [{ max_budget_usd: 5 }, 'body'], [{ allowed_models: 'openai/*' }, 'allowed_models'],
    ] as const) {
      const r = await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'bad', ...body } });
      expect([r.status, r.body.error.code, r.body.error.details.field]).toEqual([400, 'VALIDATION_ERROR', field]);
    }
    const missingTeam = await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'x', team_id: '00000000-0000-4000-8000-000000000000' } });
    expect([missingTeam.status, missingTeam.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('manages teams and key limits through GraphQL as through REST', async () => {
    const created = await t.gql('mutation($i: TeamInput!) { createTeam(input: $i) { id name rpm allowedModels tags } }', { i: { name: `gql-${backend}`, rpm: 7, allowedModels: ['openai/*'], tags: ['a'] } }, admin);
    const team = created.body.data.createTeam;
    expect(team).toMatchObject({ name: `gql-${backend}`, rpm: 7, allowedModels: ['openai/*'], tags: ['a'] });
    const updated = await t.gql('mutation($id: ID!, $i: TeamInput!) { updateTeam(id: $id, input: $i) { rpm maxBudgetUsdPerMonth } }', { id: team.id, i: { rpm: null, maxBudgetUsdPerMonth: 9 } }, admin);
    expect(updated.body.data.updateTeam).toEqual({ rpm: null, maxBudgetUsdPerMonth: 9 });
    const k = await newKey();
    const key = await t.gql('mutation($id: ID!, $l: ApiKeyLimitsInput) { updateApiKey(id: $id, name: "renamed", limits: $l) { name teamId tpm team { name } } }', { id: k.id, l: { teamId: team.id, tpm: 1000 } }, admin);
    expect(key.body.data.updateApiKey).toEqual({ name: 'renamed', teamId: team.id, tpm: 1000, team: { name: `gql-${backend}` } });
    expect((await t.request('GET', `/api/admin/teams/${team.id}`, { token: admin })).body).toMatchObject({ id: team.id, rpm: null, max_budget_usd_per_month: 9, spend: { calls: 0 } });
    const teams = await t.gql('{ teams { id spend { calls budgets { month } } } }', undefined, admin);
    expect(teams.body.data.teams.find((x: { id: string }) => x.id === team.id).spend).toEqual({ calls: 0, budgets: { month: 9 } });
    const bad = await t.gql('mutation($i: TeamInput!) { createTeam(input: $i) { id } }', { i: { name: 'x', rpm: -1 } }, admin);
    expect(bad.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION_ERROR' });
    const dup = await t.gql('mutation($i: TeamInput!) { createTeam(input: $i) { id } }', { i: { name: `gql-${backend}` } }, admin);
    expect(dup.body.errors[0].extensions.code).toBe('CONFLICT');
    expect((await t.gql('mutation($id: ID!) { deleteTeam(id: $id) { id } }', { id: team.id }, admin)).body.data.deleteTeam.id).toBe(team.id);
    const after = await t.request('GET', '/api/auth/api-keys', { token: admin });
    expect(after.body.api_keys.find((x: { id: string }) => x.id === k.id).team_id).toBeNull();
    expect((await t.request('GET', `/api/admin/teams/${team.id}`, { token: admin })).status).toBe(404);
  });

  it('lets users list only their own keys and spend; teams and others\' spend are for admins', async () => {
    const u = await t.request('POST', '/api/auth/users', { token: admin, body: { username: `carol-${backend.length}`, password: 'carol-password' } });
    const carol = (await t.request('POST', '/api/auth/login', { body: { username: `carol-${backend.length}`, password: 'carol-password' } })).body.access_token;
    const own = await newKey({ user_id: u.body.id });
    await newKey();
    const list = await t.request('GET', '/api/auth/api-keys', { token: carol });
    expect(list.body.api_keys.map((k: { id: string }) => k.id)).toEqual([own.id]);
    const r = await ask(own.api_key, 101);
    expect(r.status).toBe(200);
    await t.app.services.recorder.flush();
    const spend = await t.request('GET', '/api/auth/spend', { token: carol });
    expect(spend.body.user).toMatchObject({ id: u.body.id, calls: 1 });
    expect(spend.body.user.total_usd).toBeCloseTo(callCost, 12);
    expect(spend.body.api_keys).toHaveLength(1);
    expect(spend.body.api_keys[0]).toMatchObject({ id: own.id, calls: 1 });
    const g = await t.gql('{ myApiKeys { id spend { calls totalUsd } } spend(groupBy: key) { id } }', undefined, carol);
    expect(g.body.data.myApiKeys).toEqual([{ id: own.id, spend: { calls: 1, totalUsd: spend.body.api_keys[0].total_usd } }]);
    expect(g.body.data.spend).toEqual([{ id: own.id }]);
    expect((await t.request('GET', '/api/admin/teams', { token: carol })).status).toBe(403);
    expect((await t.request('GET', '/api/admin/spend?group_by=key', { token: carol })).status).toBe(403);
    expect((await t.gql('{ spend(groupBy: team) { id } }', undefined, carol)).body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses a model outside the allow-list with 403 MODEL_NOT_ALLOWED, and leaves such a fallback out', async () => {
    const k = await newKey({ allowed_models: ['openai/gpt-4o-mini*'] });
    const r = await ask(k.api_key, 102, { model: 'gpt-4o' });
    expect([r.status, r.body.error.code]).toEqual([403, 'MODEL_NOT_ALLOWED']);
    const g = await gqlAsk(k.api_key, 102, { model: 'gpt-4o' });
    expect(g.body.errors[0].extensions.code).toBe('MODEL_NOT_ALLOWED');
    expect(mock.count()).toBe(0);
    // The provider answering 503 every time, a fallback to anthropic is not tried: the key may not use it.
    for (let i = 0; i < 3; i++) mock.enqueue('openai', { status: 503 });
    const f = await ask(k.api_key, 103, { fallback: ['anthropic'] });
    expect([f.status, f.body.error.code]).toEqual([502, 'PROVIDER_ERROR']);
    expect(mock.count('anthropic')).toBe(0);
    expect((await ask(k.api_key, 104)).status).toBe(200);
  });

  it('answers RATE_LIMITED past rpm, with Retry-After and the x-ratelimit headers', async () => {
    const k = await newKey({ rpm: 2 });
    const first = await ask(k.api_key, 105);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const second = await ask(k.api_key, 106);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const third = await ask(k.api_key, 107);
    expect([third.status, third.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(third.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect((await gqlAsk(k.api_key, 108)).body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    // A cache hit costs nothing and passes.
    const hit = await ask(k.api_key, 105);
    expect([hit.status, hit.body.cached, hit.body.estimated_cost]).toEqual([200, true, 0]);
    expect(mock.count()).toBe(2);
  });

  it('answers TOKEN_LIMITED when the worst case (input tokens + max_tokens) does not fit the tokens per minute', async () => {
    const k = await newKey({ tpm: 60 });
    const first = await ask(k.api_key, 109);
    const worst = countTokens('budget call 109', MODEL) + 5;
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('60');
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(60 - worst));
    const used = first.body.input_tokens + first.body.output_tokens;
    // Settled to what the call used: exactly what is left fits, one token more does not.
    const left = 60 - used;
    const over = await ask(k.api_key, 110, { max_tokens: left - countTokens('budget call 110', MODEL) + 1 });
    expect([over.status, over.body.error.code]).toEqual([429, 'TOKEN_LIMITED']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(over.headers.get('x-ratelimit-remaining-tokens')).toBe(String(left));
    const exact = await ask(k.api_key, 111, { max_tokens: left - countTokens('budget call 111', MODEL) });
    expect(exact.status).toBe(200);
    // Larger than the whole limit: waiting does not help, so no Retry-After.
    const k2 = await newKey({ tpm: 10 });
    const never = await ask(k2.api_key, 112, { max_tokens: 50 });
    expect([never.status, never.body.error.code, never.headers.get('retry-after')]).toEqual([429, 'TOKEN_LIMITED', null]);
    expect((await gqlAsk(k2.api_key, 112, { maxTokens: 50 })).body.errors[0].extensions.code).toBe('TOKEN_LIMITED');
  });

  it('answers CONCURRENCY_LIMITED while max_parallel calls are in flight, streams included, and frees the slots after', async () => {
    const k = await newKey({ max_parallel: 2 });
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    mock.enqueue('openai', { hold });
    mock.enqueue('openai', { hold });
    const inFlight = [ask(k.api_key, 113), t.request('POST', '/api/ai/stream', { token: k.api_key, body: { prompt: 'budget call 114', provider: 'openai', model: MODEL, max_tokens: 5 } })];
    await expect.poll(() => mock.count('openai'), { interval: 10, timeout: 10_000 }).toBe(2);
    const refused = await ask(k.api_key, 115);
    expect([refused.status, refused.body.error.code, refused.headers.get('retry-after')]).toEqual([429, 'CONCURRENCY_LIMITED', '1']);
    expect((await gqlAsk(k.api_key, 115)).body.errors[0].extensions.code).toBe('CONCURRENCY_LIMITED');
    release();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect((await ask(k.api_key, 116)).status).toBe(200);
    // A failed call gives its slot back too.
    mock.enqueue('openai', { status: 400 });
    expect((await ask(k.api_key, 117)).status).toBe(400);
    expect((await ask(k.api_key, 118)).status).toBe(200);
    expect((await ask(k.api_key, 119)).status).toBe(200);
  });

  it('answers BUDGET_EXCEEDED once the worst case does not fit, and records the exact spend per key, team and user', async () => {
    const team = (await t.request('POST', '/api/admin/teams', { token: admin, body: { name: `budget-${backend}`, max_budget_usd_per_day: callCost * 5.5 } })).body;
    const k = await newKey({ max_budget_usd_total: callCost * 3.5, team_id: team.id });
    const statuses = [];
    for (let n = 120; n < 124; n++) statuses.push((await ask(k.api_key, n)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await ask(k.api_key, 124);
    expect(refused.body.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { scope: 'key', period: 'total' } });
    expect(refused.headers.get('retry-after')).toBeNull();
    expect((await gqlAsk(k.api_key, 124)).body.errors[0].extensions.code).toBe('BUDGET_EXCEEDED');
    // The team's daily budget: two more keys of the team, two more calls, then the team refuses.
    const k2 = await newKey({ team_id: team.id });
    expect((await ask(k2.api_key, 125)).status).toBe(200);
    expect((await ask(k2.api_key, 126)).status).toBe(200);
    const teamRefused = await ask(k2.api_key, 127);
    expect(teamRefused.body.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { scope: 'team', period: expect.stringMatching(/^day:/) } });
    expect(Number(teamRefused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(mock.count()).toBe(5);

    await t.app.services.recorder.flush();
    const keys = await t.request('GET', `/api/admin/spend?group_by=key&ids=${k.id},${k2.id}`, { token: admin });
    expect(keys.body.spend.map((s: { calls: number }) => s.calls)).toEqual([3, 2]);
    expect(keys.body.spend[0].total_usd).toBeCloseTo(3 * callCost, 12);
    expect(keys.body.spend[0].budget_used_percent.total).toBeCloseTo((3 / 3.5) * 100, 1);
    const teams = await t.request('GET', `/api/admin/spend?group_by=team&ids=${team.id}`, { token: admin });
    expect(teams.body.spend[0]).toMatchObject({ calls: 5, budgets: { day_usd: callCost * 5.5 } });
    expect(teams.body.spend[0].day_usd).toBeCloseTo(5 * callCost, 12);
    const g = await t.gql('query($ids: [ID!]) { spend(groupBy: team, ids: $ids) { calls dayUsd budgetUsedPercent { day } } }', { ids: [team.id] }, admin);
    expect(g.body.data.spend[0].calls).toBe(5);
    // Refusals reached no provider and are not recorded as calls.
    const stored = await t.app.services.db.prisma.apiCall.count({ where: { apiKeyId: { in: [k.id, k2.id] } } });
    expect(stored).toBe(5);
  });

  it('counts every entry point against the key: REST, GraphQL, streams, batch, multi-provider, /v1 chat, /v1 embeddings', async () => {
    const k = await newKey({ rpm: 9 });
    const auth = { authorization: `Bearer ${k.api_key}` };
    const rest = await ask(k.api_key, 140);
    expect([rest.status, rest.headers.get('x-ratelimit-remaining-requests')]).toEqual([200, '8']);
    expect((await gqlAsk(k.api_key, 141)).body.data.completion.cached).toBe(false);
    const sse = await t.request('POST', '/api/ai/stream', { token: k.api_key, body: { prompt: 'budget call 142', provider: 'openai', model: MODEL, max_tokens: 5 } });
    expect([sse.status, sse.headers.get('x-ratelimit-remaining-requests')]).toEqual([200, '6']);
    const batch = await t.request('POST', '/api/ai/batch/complete', { token: k.api_key, body: { provider: 'openai', model: MODEL, max_tokens: 5, prompts: ['budget call 143', 'an unrelated question about rivers'], detect_similar: false } });
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['success', 'success']);
    const multi = await t.request('POST', '/api/ai/multi-provider', { token: k.api_key, body: { prompt: 'budget call 144', providers: ['openai', 'anthropic'], max_tokens: 5 } });
    expect([multi.body.success_count, multi.headers.get('x-ratelimit-remaining-requests')]).toEqual([2, '2']);
    const v1 = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: `openai/${MODEL}`, max_tokens: 5, messages: [{ role: 'user', content: 'budget call 145' }] }) });
    expect([v1.status, v1.headers.get('x-ratelimit-remaining-requests')]).toEqual([200, '1']);
    await v1.text();
    const emb = await fetch(`${t.url}/v1/embeddings`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'local/local-embed', input: ['budget call 146'] }) });
    expect(emb.status).toBe(200);
    await emb.text();
    expect(mock.count()).toBe(8); // seven to openai, one to anthropic (multi-provider)
    // Nine requests counted: every entry point now refuses, in its own error shape.
    const refusedV1 = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: `openai/${MODEL}`, max_tokens: 5, messages: [{ role: 'user', content: 'budget call 147' }] }) });
    expect([refusedV1.status, refusedV1.headers.get('x-ratelimit-remaining-requests'), Number(refusedV1.headers.get('retry-after')) >= 1]).toEqual([429, '0', true]);
    await refusedV1.text();
    expect((await t.request('POST', '/api/ai/stream', { token: k.api_key, body: { prompt: 'budget call 148', provider: 'openai', model: MODEL, max_tokens: 5 } })).body.error.code).toBe('RATE_LIMITED');
    const refusedMulti = await t.request('POST', '/api/ai/multi-provider', { token: k.api_key, body: { prompt: 'budget call 149', providers: ['openai'], max_tokens: 5 } });
    expect(refusedMulti.body.responses.openai.error.code).toBe('RATE_LIMITED');
    expect(mock.count()).toBe(8);
  });

  it('refuses an expired key with 401 KEY_EXPIRED on REST and GraphQL, and a model without a price under a USD budget', async () => {
    const k = await newKey();
    expect((await ask(k.api_key, 128)).status).toBe(200);
    const past = new Date(Date.now() - 1000).toISOString();
    const patched = await t.request('PATCH', `/api/admin/api-keys/${k.id}`, { token: admin, body: { expires_at: past } });
    expect([patched.status, patched.body.expires_at]).toEqual([200, past]);
    const r = await ask(k.api_key, 129);
    expect([r.status, r.body.error.code]).toEqual([401, 'KEY_EXPIRED']);
    expect((await gqlAsk(k.api_key, 129)).body.errors[0].extensions.code).toBe('KEY_EXPIRED');

    const priced = await newKey({ max_budget_usd_total: 1 });
    const unknown = await ask(priced.api_key, 130, { model: 'gpt-unpriced-model' });
    expect([unknown.status, unknown.body.error.code]).toEqual([403, 'PRICE_UNKNOWN']);
    expect((await gqlAsk(priced.api_key, 130, { model: 'gpt-unpriced-model' })).body.errors[0].extensions.code).toBe('PRICE_UNKNOWN');
    const free = await newKey({ rpm: 10 });
    expect((await ask(free.api_key, 131, { model: 'gpt-unpriced-model' })).status).toBe(200);
  });
});
