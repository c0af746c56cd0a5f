// Completions through the whole gateway (REST and GraphQL) against the wire-level
// mock: every provider via its SDK, honest usage and cost, error mapping,
// retries, fallback, circuit breaker, rate limits, multi-provider.
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompletionDocument, MultiProviderDocument, ProvidersDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockProvider, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv, PROVIDER_KEY } from '../helpers/mock-env.js';

const PROVIDERS: MockProvider[] = ['openai', 'anthropic', 'gemini', 'cohere', 'huggingface', 'ollama'];

describe.each(BACKENDS)('completions on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({
      backend,
      env: mockProviderEnv(mock, { ENABLE_CACHING: 'false', BREAKER_FAILURE_THRESHOLD: '4', BREAKER_COOLDOWN_MS: '60000', REQUEST_TIMEOUT_MS: '1000' }),
    });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  it.each(PROVIDERS)('%s answers through its SDK with the guide fields and a cost from reported usage', async (provider) => {
    const r = await t.request('POST', `/api/ai/${provider}`, {
      token,
      body: { prompt: 'Explain what is artificial intelligence', system_message: 'Be brief', max_tokens: 12, temperature: 0.5 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'success', provider, cached: false, cost_estimated: false });
    expect(r.body.response).toContain(`Mock ${provider} answer`);
    expect(r.body.tokens_used).toBe(r.body.input_tokens + r.body.output_tokens);
    expect(r.body.input_tokens).toBe(encode('Be brief\nExplain what is artificial intelligence').length); // what the upstream reported
    expect(mock.count(provider)).toBe(1);
    const price = t.app.services.pricing.priceOf(provider, r.body.model);
    if (price) {
      const expected = (r.body.input_tokens * price.input + r.body.output_tokens * price.output) / 1e6;
      expect(r.body.estimated_cost).toBeCloseTo(expected, 10);
    } else {
      expect(r.body.estimated_cost).toBeNull();
      expect(r.body.warnings.join(' ')).toMatch(/No price known/);
    }
  });

  it('uses the default model of the guide and honours a per-request model', async () => {
    const d = await t.request('POST', '/api/ai/anthropic', { token, body: { prompt: 'hi' } });
    expect(d.body.model).toBe('claude-3-5-sonnet-20241022');
    expect(d.body.estimated_cost).toBeCloseTo((d.body.input_tokens * 3 + d.body.output_tokens * 15) / 1e6, 12);
    const m = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'hi', model: 'gpt-4o-mini' } });
    expect(m.body.model).toBe('gpt-4o-mini');
    expect((mock.requests.at(-1)!.body as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('reports null cost and a warning for a model without a price, never 0', async () => {
    const r = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'hi', model: 'gpt-unknown-9' } });
    expect(r.status).toBe(200);
    expect(r.body.estimated_cost).toBeNull();
    expect(r.body.warnings[0]).toMatch(/No price known for openai\/gpt-unknown-9/);
  });

  it('labels the local provider as simulated', async () => {
    const r = await t.request('POST', '/api/ai/local', { token, body: { prompt: 'What is AI?' } });
    expect(r.body.response).toMatch(/^\[local simulated response\]/);
    expect(r.body.provider_label).toMatch(/simulated/i);
    expect(r.body.estimated_cost).toBe(0);
  });

  it('rejects bad input with a code, unknown providers with 404', async () => {
    const missing = await t.request('POST', '/api/ai/openai', { token, body: { max_tokens: 5 } });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const temp = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'x', temperature: 7 } });
    expect([temp.status, temp.body.error.code, temp.body.error.message]).toEqual([400, 'VALIDATION_ERROR', 'temperature: Too big: expected number to be <=2']);
    const unknown = await t.request('POST', '/api/ai/mistral', { token, body: { prompt: 'x' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_PROVIDER']);
    expect(mock.count()).toBe(0);
  });

  it('maps a rejected provider key to a clear error without leaking the key', async () => {
    mock.enqueue('openai', { status: 401 });
    const r = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'hi' } });
    expect([r.status, r.body.error.code]).toEqual([502, 'PROVIDER_AUTH_FAILED']);
    expect(JSON.stringify(r.body)).not.toContain(PROVIDER_KEY);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    mock.enqueue('gemini', { status: 500 });
    mock.enqueue('gemini', { status: 503 });
    const r = await t.request('POST', '/api/ai/gemini', { token, body: { prompt: 'retry me' } });
    expect(r.status).toBe(200);
    expect(mock.count('gemini')).toBe(3);
  });

  it('honours Retry-After on 429 and reports the provider rate limit when retries run out', async () => {
    // A Retry-After longer than the caller's deadline is not waited for (a backoff of its own,
    // at most 200 ms here, would have been): the 429 is the answer, with the provider's delay.
    mock.enqueue('cohere', { status: 429, headers: { 'retry-after': '7' } });
    const tooLong = await t.request('POST', '/api/ai/cohere', { token, body: { prompt: 'limited', timeout_ms: 5000 } });
    expect([tooLong.status, tooLong.body.error.code, tooLong.headers.get('retry-after')]).toEqual([429, 'PROVIDER_RATE_LIMITED', '7']);
    expect(mock.count('cohere')).toBe(1);
    mock.enqueue('cohere', { status: 429, headers: { 'retry-after': '0' } });
    const ok = await t.request('POST', '/api/ai/cohere', { token, body: { prompt: 'limited' } });
    expect(ok.status).toBe(200);
    expect(mock.count('cohere')).toBe(3);
    for (let i = 0; i < 3; i++) mock.enqueue('cohere', { status: 429, headers: { 'retry-after': '0' } });
    const limited = await t.request('POST', '/api/ai/cohere', { token, body: { prompt: 'limited again' } });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'PROVIDER_RATE_LIMITED']);
    expect(limited.headers.get('retry-after')).toBe('0'); // the provider's own, passed on
    expect(mock.count('cohere')).toBe(6);
  });

  it('answers 502 for malformed upstream bodies and 504 on timeout', async () => {
    for (let i = 0; i < 3; i++) mock.enqueue('huggingface', { malformed: true });
    const bad = await t.request('POST', '/api/ai/huggingface', { token, body: { prompt: 'garbage please' } });
    expect([bad.status, bad.body.error.code]).toEqual([502, 'PROVIDER_ERROR']);
    // The gateway's own timeout (REQUEST_TIMEOUT_MS) says the provider is slow: retried, then 504.
    for (let i = 0; i < 3; i++) mock.enqueue('ollama', { delayMs: 3000 });
    const slow = await t.request('POST', '/api/ai/ollama', { token, body: { prompt: 'slow' } });
    expect([slow.status, slow.body.error.code]).toEqual([504, 'PROVIDER_TIMEOUT']);
    expect(mock.count('ollama')).toBe(3);
  });

  it("ends at the caller's own deadline without retrying: the provider is not blamed", async () => {
    mock.enqueue('ollama', { delayMs: 3000 });
    const r = await t.request('POST', '/api/ai/ollama', { token, body: { prompt: 'in a hurry', timeout_ms: 200 } });
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([504, 'DEADLINE_EXCEEDED', { provider: 'ollama', timeout_ms: 200 }]);
    expect(mock.count('ollama')).toBe(1);
  });

  it('lets no user open the breaker for everyone with short deadlines', async () => {
    // Twice the breaker's threshold of requests that each give up before the provider answers.
    for (let i = 0; i < 8; i++) mock.enqueue('gemini', { delayMs: 3000 });
    const hurried = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.request('POST', '/api/ai/gemini', { token, body: { prompt: `hurry ${i}`, timeout_ms: 100 } })),
    );
    expect(hurried.map((r) => r.body.error.code)).toEqual(Array(8).fill('DEADLINE_EXCEEDED'));
    await t.request('POST', '/api/auth/users', { token, body: { username: 'patient-user', password: 'patient-password', role: 'user' } });
    const other = (await t.request('POST', '/api/auth/login', { body: { username: 'patient-user', password: 'patient-password' } })).body.access_token;
    mock.reset();
    const ok = await t.request('POST', '/api/ai/gemini', { token: other, body: { prompt: 'no hurry' } });
    // Counted as failures, the eight would have opened the breaker (threshold 4): this would be a 503.
    expect([ok.status, ok.body.provider]).toEqual([200, 'gemini']);
  });

  it('falls back along the request chain when the first provider fails', async () => {
    for (let i = 0; i < 3; i++) mock.enqueue('openai', { status: 500 });
    const r = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'fallback', fallback: ['anthropic'] } });
    expect(r.status).toBe(200);
    expect(r.body.provider).toBe('anthropic');
    expect(r.body.failed_over).toEqual(['openai']);
    expect(r.body.model).toBe('claude-3-5-sonnet-20241022');
  });

  it('opens the circuit breaker after repeated failures and stops calling', async () => {
    for (let i = 0; i < 6; i++) mock.enqueue('anthropic', { status: 500 });
    // Threshold 4: three failed attempts, then the fourth opens the breaker mid-request.
    const first = await t.request('POST', '/api/ai/anthropic', { token, body: { prompt: 'break' } });
    expect(first.status).toBe(502);
    const second = await t.request('POST', '/api/ai/anthropic', { token, body: { prompt: 'break 2' } });
    expect([second.status, second.body.error.code]).toEqual([503, 'PROVIDER_UNAVAILABLE']);
    const callsSoFar = mock.count('anthropic');
    expect(callsSoFar).toBe(4);
    const open = await t.request('POST', '/api/ai/anthropic', { token, body: { prompt: 'again' } });
    expect([open.status, open.body.error.code]).toEqual([503, 'PROVIDER_UNAVAILABLE']);
    expect(open.headers.get('retry-after')).not.toBeNull();
    expect(mock.count('anthropic')).toBe(callsSoFar);
    const health = await t.request('GET', '/api/ai/providers/health', { token });
    expect(health.body.anthropic.circuit_breaker).toBe('open');
  });

  it('compares providers concurrently with per-provider results', async () => {
    mock.enqueue('cohere', { status: 400 });
    const r = await t.request('POST', '/api/ai/multi-provider', {
      token,
      body: { prompt: 'What is AI?', providers: ['gemini', 'openai', 'cohere'], models: { openai: 'gpt-4o' }, max_tokens: 20 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ prompt: 'What is AI?', success_count: 2, error_count: 1 });
    expect(r.body.responses.openai.model).toBe('gpt-4o');
    expect(r.body.responses.cohere).toMatchObject({ status: 'error', error: { code: 'PROVIDER_BAD_REQUEST' } });
    const sum = r.body.responses.gemini.estimated_cost + r.body.responses.openai.estimated_cost;
    expect(r.body.total_estimated_cost).toBeCloseTo(sum, 12);
  });

  it('lists providers and their health as the guide shows, and the same over GraphQL', async () => {
    const list = await t.request('GET', '/api/ai/providers', { token });
    expect(list.body.available_providers).toEqual(expect.arrayContaining(['gemini', 'openai', 'anthropic', 'cohere', 'huggingface', 'ollama', 'local']));
    expect(list.body.provider_details.anthropic).toMatchObject({ default_model: 'claude-3-5-sonnet-20241022', max_tokens: 8192 });
    const health = await t.request('GET', '/api/ai/providers/health', { token });
    expect(health.body.gemini).toMatchObject({ status: 'healthy', api_key_configured: true });
    const g = await t.exec(ProvidersDocument, {}, token);
    expect(g.data!.providers.map((p) => p.name)).toEqual(list.body.available_providers);
    expect(g.data!.providerHealth.find((h) => h.provider === 'gemini')!.status).toBe('healthy');
  });

  it('serves the completion and multiProvider mutations over GraphQL', async () => {
    const c = await t.exec(CompletionDocument, { input: { provider: 'openai', prompt: 'GraphQL hello', maxTokens: 10 } }, token);
    expect(c.errors).toBeUndefined();
    expect(c.data!.completion).toMatchObject({ status: 'success', provider: 'openai', model: 'gpt-4', cached: false });
    expect(c.data!.completion.tokensUsed).toBe(c.data!.completion.inputTokens + c.data!.completion.outputTokens);
    const bad = await t.exec(CompletionDocument, { input: { provider: 'nope', prompt: 'x' } }, token);
    expect(bad.errors![0]!.extensions!.code).toBe('UNKNOWN_PROVIDER');
    const m = await t.exec(MultiProviderDocument, { input: { providers: ['gemini', 'ollama'], prompt: 'both', maxTokens: 8 } }, token);
    expect(m.data!.multiProvider.successCount).toBe(2);
  });
});

describe('unconfigured providers and limits', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());

  it('answers 503 for a provider without a key and makes no call', async () => {
    const t = await startTestApp({ backend: 'embedded', env: { OPENAI_BASE_URL: mock.baseUrls.openai } });
    try {
      const token = await t.adminToken();
      const r = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'hi' } });
      expect([r.status, r.body.error.code]).toEqual([503, 'PROVIDER_UNCONFIGURED']);
      expect(r.body.error.message).toMatch(/OPENAI_API_KEY/);
      expect(mock.count()).toBe(0);
      const health = await t.request('GET', '/api/ai/providers/health', { token });
      expect(health.body.cohere).toMatchObject({ status: 'unconfigured', api_key_configured: false });
    } finally {
      await t.stop();
    }
  });

  it.each(BACKENDS)('enforces per-user and per-provider limits with 429 and Retry-After on %s', async (backend) => {
    const t = await startTestApp({ backend, env: mockProviderEnv(mock, { USER_RATE_LIMIT: '3/minute', GEMINI_RATE_LIMIT: '2/minute', ENABLE_CACHING: 'false' }) });
    try {
      const token = await t.adminToken();
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await t.request('POST', '/api/ai/gemini', { token, body: { prompt: `p${i}` } })).status);
      expect(codes).toEqual([200, 200, 429]);
      const limited = await t.request('POST', '/api/ai/local', { token, body: { prompt: 'x' } });
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      const retryAfter = Number(limited.headers.get('retry-after')); // what is left of the minute
      expect(retryAfter >= 1 && retryAfter <= 60, String(retryAfter)).toBe(true);
      const h = await t.request('GET', '/api/ai/health', { token });
      expect(h.body.rate_limits.user).toMatchObject({ limit: '3/minute', remaining: 0 });
      expect(h.body.rate_limits.providers.gemini).toMatchObject({ limit: '2/minute', remaining: 0 });
    } finally {
      await t.stop();
    }
  });
});
