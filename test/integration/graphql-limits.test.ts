// Hostile GraphQL through real sockets, on both storage backends: document limits on every
// transport (POST, GET, SSE, graphql-ws) refused before any resolver runs, fragment chains
// and cycles answered 400 (never a stack overflow), JSON-only state changes on GraphQL and
// REST, and graphql-ws's connection rules (token at connection_init, message size,
// operations per connection).
import { getIntrospectionQuery } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { readSse } from '../helpers/sse.js';
import { collect, wsClient } from '../helpers/ws.js';

const aliased = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
const THOUSAND_COMPLETIONS = `mutation { ${aliased(1000, 'completion(input: { provider: "openai", prompt: "hi" }) { response }')} }`;
const SIMILARITY_300 = `{ ${aliased(300, 'batchSimilarity(prompts: ["a", "b"], similarityThreshold: 0) { similarityScore }')} }`;

function fragmentChain(n: number): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} }`);
  parts.push(`fragment F${n} on Query { health }`);
  return parts.join('\n');
}

type Errors = { message: string; extensions?: { code?: string; details?: Record<string, unknown> } }[];

describe.each(BACKENDS)('GraphQL and REST input rules on %s', (backend) => {
  let t: TestApp;
  let mock: MockUpstream;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({
      backend,
      // Room for 1,000 aliased fields in one document, so the cost limit is the one that answers.
      env: mockProviderEnv(mock, { GRAPHQL_MAX_TOKENS: '50000', GRAPHQL_WS_MAX_SUBSCRIPTIONS: '3', MAX_BODY_BYTES: '262144' }),
    });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });

  const post = async (query: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Errors } };
  };

  it('refuses 1,000 aliased completions and 300 aliased batchSimilarity before any resolver runs, on POST, GET, SSE and graphql-ws', async () => {
    mock.reset();
    const completions = await post(THOUSAND_COMPLETIONS);
    expect(completions.status).toBe(400);
    expect(completions.body).toEqual({
      errors: [{
        message: 'The operation costs 101000, more than the limit of 1000 (a call to a provider costs 100, most fields 1)',
        extensions: { code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', limit: 1000, actual: 101000 } },
      }],
    });
    expect(completions.body.data).toBeUndefined();
    const similarity = await post(SIMILARITY_300);
    expect([similarity.status, similarity.body.errors?.[0]?.extensions?.details]).toEqual([400, { measure: 'cost', limit: 1000, actual: 300 * 51 }]);

    // GET (a URL holds fewer aliases: 25 similarity comparisons cost 1,275).
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent(`{ ${aliased(25, 'batchSimilarity(prompts: ["a"]) { isMatch }')} }`)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: Errors }).errors[0]!.extensions?.code).toBe('QUERY_TOO_COMPLEX');

    // SSE, posted and as EventSource would ask (GET): the status says it, the stream carries the error.
    const ssePost = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: THOUSAND_COMPLETIONS }),
    });
    expect(ssePost.status).toBe(400);
    const events = await readSse(ssePost);
    expect(events[0]).toMatchObject({ event: 'next', data: { errors: [{ extensions: { code: 'QUERY_TOO_COMPLEX' } }] } });
    const streams = `subscription { ${aliased(10, 'streamCompletion(input: { provider: "openai", prompt: "hi" }) { content }')} }`;
    const sseGet = await fetch(`${t.url}/graphql?query=${encodeURIComponent(streams)}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    expect(sseGet.status).toBe(400);
    expect((await readSse(sseGet))[0]!.data.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', actual: 1010 } });

    // graphql-ws: the operation fails, the connection stays usable.
    const client = wsClient(t.url, token);
    try {
      const refused = await collect(client, { query: THOUSAND_COMPLETIONS });
      expect(refused.results).toEqual([]);
      expect((refused.error as Errors)[0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { actual: 101000 } });
      const streamed = await collect(client, { query: streams });
      expect((streamed.error as Errors)[0]!.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      const after = await collect(client, { query: '{ me { username } }' });
      expect(after.results).toEqual([{ data: { me: { username: 'admin' } } }]);
    } finally {
      await client.dispose();
    }

    expect(mock.count('openai')).toBe(0);
    // The same call once is within every limit and reaches the provider.
    const one = await post('mutation { completion(input: { provider: "openai", prompt: "one call" }) { provider } }');
    expect([one.status, one.body]).toEqual([200, { data: { completion: { provider: 'openai' } } }]);
    expect(mock.count('openai')).toBe(1);
  });

  it('answers 5,000 chained fragments, fragment cycles, deep nesting, huge documents and too many operations with a 400, and keeps serving', async () => {
    const chain = await post(fragmentChain(5000));
    expect(chain.status).toBe(400);
    expect(chain.body.errors).toEqual([{
      message: 'Fragments spread within each other 5001 levels deep; at most 20 are allowed',
      extensions: { code: 'QUERY_TOO_DEEP', details: { limit: 20, depth: 5001 } },
    }]);
    const cycle = await post('query { ...A } fragment A on Query { ...B } fragment B on Query { health ...A }');
    expect([cycle.status, cycle.body.errors]).toEqual([400, [{ message: 'Cannot spread fragment "A" within itself via "B".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]]);
    const nested = await post(`{ ${'me { '.repeat(10_000)}username${' }'.repeat(10_000)} }`);
    expect([nested.status, nested.body.errors?.[0]?.extensions?.code]).toEqual([400, 'QUERY_TOO_DEEP']);
    const huge = await post(`{ ${'a '.repeat(60_000)} }`);
    expect([huge.status, huge.body.errors]).toEqual([400, [{ message: 'The document has more than 50000 tokens', extensions: { code: 'QUERY_TOO_LARGE', details: { limit: 50000 } } }]]);
    const operations = await post(Array.from({ length: 11 }, (_, i) => `query Q${i} { health }`).join('\n'));
    expect([operations.status, operations.body.errors?.[0]?.extensions?.code]).toEqual([400, 'TOO_MANY_OPERATIONS']);
    const batch = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([{ query: '{ health }' }, { query: '{ health }' }]),
    });
    expect([batch.status, ((await batch.json()) as { errors: Errors }).errors[0]!.message]).toEqual([400, 'Batching is not supported.']);

    const client = wsClient(t.url, token);
    try {
      const overWs = await collect(client, { query: fragmentChain(5000) });
      expect((overWs.error as Errors)[0]!.extensions?.code).toBe('QUERY_TOO_DEEP');
      const syntax = await collect(client, { query: '{ me { ' });
      expect((syntax.error as Errors)[0]).toMatchObject({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    } finally {
      await client.dispose();
    }
    expect((await t.request('GET', '/health')).status).toBe(200);
    expect((await post('{ health }')).body).toEqual({ data: { health: 'ok' } });
  });

  it('serves the introspection query GraphiQL and codegen send', async () => {
    const r = await post(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true }));
    expect(r.status).toBe(200);
    const schema = (r.body.data as { __schema: { mutationType: { name: string }; types: { name: string }[] } }).__schema;
    expect(schema.mutationType).toEqual({ name: 'Mutation', kind: 'OBJECT' });
    expect(schema.types.map((x) => x.name)).toContain('CompletionResult');
  });

  it('takes GraphQL POSTs as JSON only (form, text/plain, application/graphql, multipart: 415, nothing runs) and never runs a mutation from a GET', async () => {
    const prompt = `kept in the cache (${backend})`;
    const completion = `mutation { completion(input: { provider: "local", prompt: "${prompt}" }) { cached } }`;
    expect((await post(completion)).body).toEqual({ data: { completion: { cached: false } } });

    // [Content-Type sent (none: fetch labels a string text/plain), body]
    const attempts: [string | null, string][] = [
      ['application/x-www-form-urlencoded', 'query=mutation%20%7B%20clearCache%20%7D'],
      ['text/plain', JSON.stringify({ query: 'mutation { clearCache }' })],
      ['application/graphql', 'mutation { clearCache }'],
      [null, JSON.stringify({ query: 'mutation { clearCache }' })],
    ];
    for (const [type, body] of attempts) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (type) headers['content-type'] = type;
      const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers, body });
      expect({ type, status: res.status, body: await res.json() }).toEqual({
        type,
        status: 415,
        body: { errors: [{ message: `POST /graphql takes Content-Type: application/json, not ${type ?? 'text/plain'}`, extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] },
      });
    }
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation { clearCache }' }));
    const multipart = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect([multipart.status, ((await multipart.json()) as { errors: Errors }).errors[0]!.extensions?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);

    const viaGet = await fetch(`${t.url}/graphql?query=${encodeURIComponent('mutation { clearCache }')}`, { headers: { authorization: `Bearer ${token}` } });
    expect([viaGet.status, viaGet.headers.get('allow')]).toEqual([405, 'POST']);

    // Nothing was cleared; JSON with a charset is JSON.
    expect((await post(completion, { 'content-type': 'application/json; charset=utf-8' })).body).toEqual({ data: { completion: { cached: true } } });
  });

  it('takes REST bodies as application/json only: 415 on POST and DELETE with another type, a request without a body is fine', async () => {
    const login = JSON.stringify({ username: 'admin', password: 'admin-password-for-tests' });
    const cases: [string, string, string, string][] = [
      ['POST', '/api/auth/login', 'application/x-www-form-urlencoded', 'username=admin&password=admin-password-for-tests'],
      ['POST', '/api/auth/login', 'text/plain', login],
      ['POST', '/api/ai/local', 'multipart/form-data; boundary=x', '--x--'],
      ['DELETE', '/api/ai/cache', 'text/plain', '{}'],
    ];
    for (const [method, path, type, body] of cases) {
      const res = await fetch(t.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
      expect({ path, type, status: res.status, body: await res.json() }).toEqual({
        path,
        type,
        status: 415,
        body: { status: 'error', error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `A request body must be Content-Type: application/json, not ${type.split(';')[0]}` } },
      });
    }
    const noType = await fetch(`${t.url}/api/auth/login`, { method: 'POST', body: new Blob([login]) });
    expect([noType.status, ((await noType.json()) as { error: { message: string } }).error.message]).toEqual([415, 'A request body must be Content-Type: application/json']);

    const json = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: login });
    expect(json.status).toBe(200);
    // The guide's stream example sends its JSON body as text/event-stream.
    const guideStream = await fetch(`${t.url}/api/ai/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/event-stream' },
      body: JSON.stringify({ prompt: 'Write a short essay', provider: 'local', chunk_size: 50, max_tokens: 20 }),
    });
    expect([guideStream.status, guideStream.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    await guideStream.text();
    const clear = await fetch(`${t.url}/api/ai/cache`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(clear.status).toBe(200);
  });

  it('graphql-ws: refuses connection_init without a valid token (4403), accepts a bearer token or an API key', async () => {
    for (const params of [undefined, 'not-a-token']) {
      const client = wsClient(t.url, params);
      const denied = await collect(client, { query: '{ health }' });
      expect({ params, results: denied.results, code: (denied.error as { code?: number }).code }).toEqual({ params, results: [], code: 4403 });
      await client.dispose();
    }
    const created = await t.request('POST', '/api/auth/api-keys', { token, body: { name: `ws-${backend}` } });
    const { createClient } = await import('graphql-ws');
    const keyed = createClient({ url: `${t.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { 'x-api-key': created.body.api_key }, retryAttempts: 0 });
    try {
      expect((await collect(keyed, { query: '{ me { username via } }' })).results).toEqual([{ data: { me: { username: 'admin', via: 'api_key' } } }]);
    } finally {
      await keyed.dispose();
    }
  });

  it('graphql-ws: a message larger than MAX_BODY_BYTES closes the socket with 1009', async () => {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.once('message', (data) => {
      expect(JSON.parse(String(data))).toEqual({ type: 'connection_ack' });
      const padding = ' '.repeat(t.config.maxBodyBytes);
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ health }${padding}` } }));
    });
    expect(await closed).toBe(1009);
  });

  it('graphql-ws: caps the operations running at once on one connection (GRAPHQL_WS_MAX_SUBSCRIPTIONS)', async () => {
    const client = wsClient(t.url, token);
    const live = 'subscription { analyticsUpdated { summary { totalApiCalls } } }';
    /** Subscribes; resolves with the first result or the error, and the function that unsubscribes. */
    const open = () =>
      new Promise<{ first: unknown; error?: Errors; stop: () => void }>((resolve) => {
        const stop: () => void = client.subscribe(
          { query: live },
          { next: (r) => resolve({ first: r, stop }), error: (e) => resolve({ first: null, error: e as Errors, stop }), complete: () => {} },
        );
      });
    try {
      const running = [await open(), await open(), await open()];
      for (const r of running) expect(r.error).toBeUndefined();
      const fourth = await open();
      expect(fourth.error).toEqual([{ message: 'At most 3 operations may run at once on one connection', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', details: { limit: 3 } } }]);
      running[0]!.stop();
      // graphql-ws frees the slot when the client's complete message arrives; a query waits behind it on the socket.
      const again = await open();
      expect(again.error).toBeUndefined();
      again.stop();
      for (const r of running.slice(1)) r.stop();
    } finally {
      await client.dispose();
    }
  });
});
