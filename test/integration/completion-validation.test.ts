// One validation for every entry point: the same bad request sent through REST, GraphQL,
// the REST stream, a GraphQL subscription (over SSE), multi-provider and batch complete
// answers the same code, and nothing reaches a provider.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { mockProviderEnv } from '../helpers/mock-env.js';

interface Case {
  name: string;
  provider: string;
  /** The REST body (the guide's snake_case, OpenAI's chat shapes). */
  rest: Record<string, unknown>;
  /** The same request as GraphQL's CompletionInput (without provider). */
  gql: Record<string, unknown>;
  code: string;
}

/**
 * Stands for JSON nested 10,000 levels deep: JSON.stringify cannot write it (its recursion
 * overflows the stack), so bodies are serialised with `wire`, which puts the text in.
 */
const DEEP = '__deep_json__';
const deepText = `${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
const wire = (body: unknown) => JSON.stringify(body).replaceAll(`"${DEEP}"`, deepText);

const prompt = 'Hello';
const weather = { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

const CASES: Case[] = [
  { name: 'no prompt', provider: 'local', rest: {}, gql: {}, code: 'VALIDATION_ERROR' },
  { name: 'max_tokens 0', provider: 'local', rest: { prompt, max_tokens: 0 }, gql: { prompt, maxTokens: 0 }, code: 'VALIDATION_ERROR' },
  { name: "max_tokens above the model's limit", provider: 'openai', rest: { prompt, model: 'gpt-4o', max_tokens: 100_000 }, gql: { prompt, model: 'gpt-4o', maxTokens: 100_000 }, code: 'VALIDATION_ERROR' },
  { name: 'temperature 3', provider: 'local', rest: { prompt, temperature: 3 }, gql: { prompt, temperature: 3 }, code: 'VALIDATION_ERROR' },
  { name: 'top_p 0', provider: 'local', rest: { prompt, top_p: 0 }, gql: { prompt, topP: 0 }, code: 'VALIDATION_ERROR' },
  { name: 'timeout 1 ms', provider: 'openai', rest: { prompt, timeout_ms: 1 }, gql: { prompt, timeoutMs: 1 }, code: 'VALIDATION_ERROR' },
  { name: 'negative timeout', provider: 'openai', rest: { prompt, timeout_ms: -1 }, gql: { prompt, timeoutMs: -1 }, code: 'VALIDATION_ERROR' },
  { name: 'timeout of a day', provider: 'openai', rest: { prompt, timeout_ms: 86_400_000 }, gql: { prompt, timeoutMs: 86_400_000 }, code: 'VALIDATION_ERROR' },
  { name: 'nine stop sequences', provider: 'local', rest: { prompt, stop: Array(9).fill('x') }, gql: { prompt, stop: Array(9).fill('x') }, code: 'VALIDATION_ERROR' },
  { name: 'a model that walks the URL', provider: 'gemini', rest: { prompt, model: '../../../v1/admin/secret?x=' }, gql: { prompt, model: '../../../v1/admin/secret?x=' }, code: 'VALIDATION_ERROR' },
  { name: 'an encoded model path', provider: 'gemini', rest: { prompt, model: 'gemini%2F..%2Fadmin' }, gql: { prompt, model: 'gemini%2F..%2Fadmin' }, code: 'VALIDATION_ERROR' },
  { name: "a model that is not the provider's kind", provider: 'gemini', rest: { prompt, model: 'a/b' }, gql: { prompt, model: 'a/b' }, code: 'VALIDATION_ERROR' },
  { name: 'extra overriding the model', provider: 'openai', rest: { prompt, extra: { model: 'gpt-4' } }, gql: { prompt, extra: { model: 'gpt-4' } }, code: 'VALIDATION_ERROR' },
  { name: 'extra keep_alive', provider: 'ollama', rest: { prompt, extra: { keep_alive: '24h' } }, gql: { prompt, extra: { keep_alive: '24h' } }, code: 'VALIDATION_ERROR' },
  { name: 'extra runtime option', provider: 'ollama', rest: { prompt, extra: { options: { num_gpu: 99 } } }, gql: { prompt, extra: { options: { num_gpu: 99 } } }, code: 'VALIDATION_ERROR' },
  { name: 'extra 10,000 levels deep', provider: 'openai', rest: { prompt, extra: DEEP }, gql: { prompt, extra: DEEP }, code: 'VALIDATION_ERROR' },
  { name: 'an unknown fallback', provider: 'local', rest: { prompt, fallback: ['nope'] }, gql: { prompt, fallback: ['nope'] }, code: 'UNKNOWN_PROVIDER' },
  { name: 'a tool message without its call id', provider: 'local', rest: { messages: [{ role: 'tool', content: '{}' }] }, gql: { messages: [{ role: 'tool', content: '{}' }] }, code: 'VALIDATION_ERROR' },
  { name: 'a tool defined twice', provider: 'local', rest: { prompt, tools: [{ type: 'function', function: weather }, { type: 'function', function: weather }] }, gql: { prompt, tools: [weather, weather] }, code: 'VALIDATION_ERROR' },
  { name: 'tool_choice naming no tool', provider: 'local', rest: { prompt, tools: [{ type: 'function', function: weather }], tool_choice: { type: 'function', function: { name: 'other' } } }, gql: { prompt, tools: [weather], toolChoice: { mode: 'tool', name: 'other' } }, code: 'VALIDATION_ERROR' },
  { name: 'an image over plain http', provider: 'local', rest: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest' } }] }] }, gql: { messages: [{ role: 'user', parts: [{ type: 'image', imageUrl: 'http://169.254.169.254/latest' }] }] }, code: 'VALIDATION_ERROR' },
  { name: 'an image that is not base64', provider: 'local', rest: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,***' } }] }] }, gql: { messages: [{ role: 'user', parts: [{ type: 'image', imageUrl: 'data:image/png;base64,***' }] }] }, code: 'VALIDATION_ERROR' },
  { name: 'json_schema without a schema', provider: 'local', rest: { prompt, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, gql: { prompt, responseFormat: { type: 'json_schema', name: 'x' } }, code: 'VALIDATION_ERROR' },
  { name: 'a control character in user', provider: 'openai', rest: { prompt, user: 'a\u0000b' }, gql: { prompt, user: 'a\u0000b' }, code: 'VALIDATION_ERROR' },
  { name: 'a bidirectional override in user', provider: 'openai', rest: { prompt, user: 'admin\u202egnp.exe' }, gql: { prompt, user: 'admin\u202egnp.exe' }, code: 'VALIDATION_ERROR' },
  { name: 'forcing a tool on a provider without it', provider: 'ollama', rest: { prompt, tools: [{ type: 'function', function: weather }], tool_choice: 'required' }, gql: { prompt, tools: [weather], toolChoice: { mode: 'required' } }, code: 'UNSUPPORTED_FEATURE' },
  { name: 'an image on a provider without images', provider: 'local', rest: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] }, gql: { messages: [{ role: 'user', parts: [{ type: 'image', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' }] }] }, code: 'UNSUPPORTED_FEATURE' },
  { name: 'a cache TTL of a year', provider: 'local', rest: { prompt, cache: { ttl_seconds: 31_536_000 } }, gql: { prompt, cache: { ttlSeconds: 31_536_000 } }, code: 'VALIDATION_ERROR' },
];

describe('one validation for every entry point', () => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend: 'embedded', env: mockProviderEnv(mock) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  const post = (path: string, body: unknown) => t.request('POST', path, { token, body: wire(body) });
  const gqlCode = async (query: string, variables: Record<string, unknown>) => {
    const r = await post('/graphql', { query, variables });
    return { status: r.status, code: r.body.errors?.[0]?.extensions?.code as string | undefined };
  };

  it.each(CASES)('$name: the same code on REST, GraphQL, streams, multi-provider and batch', async (c) => {
    const rest = await post(`/api/ai/${c.provider}`, c.rest);
    expect([rest.status >= 400 && rest.status < 500, rest.body.error?.code]).toEqual([true, c.code]);

    const gql = await gqlCode('mutation($input: CompletionInput!) { completion(input: $input) { response } }', { input: { ...c.gql, provider: c.provider } });
    expect(gql.code).toBe(c.code);

    const stream = await post('/api/ai/stream', { ...c.rest, provider: c.provider });
    expect([stream.status, stream.body.error?.code]).toEqual([rest.status, c.code]);

    const sse = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: wire({ query: 'subscription($input: CompletionInput!) { streamCompletion(input: $input) { content } }', variables: { input: { ...c.gql, provider: c.provider } } }),
    });
    expect(await sse.text()).toContain(`"code":"${c.code}"`);

    const { model, fallback, ...shared } = c.rest;
    const multiBody = { ...shared, providers: [c.provider], ...(model ? { models: { [c.provider]: model } } : {}) };
    const multi = await post('/api/ai/multi-provider', fallback ? { ...multiBody, fallback } : multiBody);
    const multiCode = multi.body.error?.code ?? multi.body.responses?.[c.provider]?.error?.code;
    // Multi-provider takes no fallback: that case is its own validation error.
    expect(multiCode).toBe(fallback ? 'VALIDATION_ERROR' : c.code);

    if (c.rest.prompt !== undefined) {
      const { prompt: p, ...common } = c.rest;
      const batch = await post('/api/ai/batch/complete', { ...common, provider: c.provider, prompts: [p] });
      expect([batch.status, batch.body.error?.code]).toEqual([rest.status, c.code]);
    }
    expect(mock.count()).toBe(0);
  });

  it('refuses base_url other than the configured one on every route, and takes the configured one (the guide sends it)', async () => {
    const own = mock.baseUrls.ollama;
    for (const [path, body] of [
      ['/api/ai/ollama', { prompt, base_url: 'http://169.254.169.254' }],
      ['/api/ai/stream', { prompt, provider: 'ollama', base_url: 'http://169.254.169.254' }],
      ['/api/ai/stream/session', { prompt, provider: 'ollama', base_url: 'http://169.254.169.254' }],
      ['/api/ai/batch/complete', { prompts: [prompt], provider: 'ollama', base_url: 'http://169.254.169.254' }],
    ] as const) {
      const r = await t.request('POST', path, { token, body });
      expect([path, r.status, r.body.error?.code, r.body.error?.details?.field]).toEqual([path, 400, 'VALIDATION_ERROR', 'base_url']);
    }
    expect(mock.count()).toBe(0);
    const ok = await t.request('POST', '/api/ai/ollama', { token, body: { prompt, base_url: `${own}/` } });
    expect(ok.status).toBe(200);
  });

  it('refuses unknown fields instead of dropping them, and names the field in snake_case', async () => {
    const unknown = await t.request('POST', '/api/ai/local', { token, body: { prompt, stream: true } });
    expect([unknown.status, unknown.body.error.code, unknown.body.error.details.field]).toEqual([400, 'VALIDATION_ERROR', 'stream']);
    const nestedField = await t.request('POST', '/api/ai/local', { token, body: { messages: [{ role: 'tool', content: 'x' }] } });
    expect(nestedField.body.error.details.field).toBe('messages.0.tool_call_id');
  });
});
