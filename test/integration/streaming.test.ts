// Streaming end to end: every provider through its SDK's streaming API, SSE
// (POST, GET with an EventSource, sessions), graphql-ws subscriptions, cache
// replay with the same chunk boundaries, shared upstream streams, limits,
// aborts seen at the upstream, usage recorded; across two instances with Redis.
import { print } from 'graphql';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StreamCompletionDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockProvider, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { readSse, type SseEvent } from '../helpers/sse.js';
import { countTokens } from '../../src/optimize/tokenizer.js';
import { collect, wsClient } from '../helpers/ws.js';

const PROVIDERS: MockProvider[] = ['openai', 'anthropic', 'gemini', 'cohere', 'huggingface', 'ollama'];

function streamRequest(t: TestApp, token: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${t.url}/api/ai/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

const content = (events: SseEvent[]) => events.filter((e) => !e.data.is_complete).map((e) => e.data.content);

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(BACKENDS)('streaming on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock, { MAX_STREAMS_PER_USER: '20' }) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(async () => {
    mock.reset();
    await t.request('DELETE', '/api/ai/cache', { token });
  });

  it.each(PROVIDERS)('%s streams through its SDK in the guide format, with usage on the last event', async (provider) => {
    const res = await streamRequest(t, token, { provider, prompt: 'Write an essay about AI', max_tokens: 30, no_cache: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(res);
    const chunks = events.filter((e) => !e.data.is_complete);
    expect(chunks.length).toBe(1 + 24); // the mock's lead-in and its 24 words, one event each
    chunks.forEach((e, i) => {
      expect(Object.keys(e.data).sort()).toEqual(['chunk_id', 'content', 'is_complete', 'tokens_estimated']);
      expect(e.data.chunk_id).toBe(i);
    });
    const last = events.at(-1)!.data;
    expect(last).toMatchObject({ is_complete: true, content: '', provider, cached: false });
    expect(last.tokens_used).toBe(last.input_tokens + last.output_tokens);
    const json = await t.request('POST', `/api/ai/${provider}`, { token, body: { prompt: 'Write an essay about AI', max_tokens: 30, no_cache: true } });
    expect(content(events).join('')).toBe(json.body.response);
    expect(last.output_tokens).toBe(json.body.output_tokens);
    expect(last.estimated_cost).toBe(json.body.estimated_cost);
  });

  it('groups content by chunk_size and replays a cached stream with the same chunk boundaries', async () => {
    const first = await readSse(await streamRequest(t, token, { provider: 'openai', prompt: 'replay me', chunk_size: 12 }));
    const firstChunks = content(first);
    expect(firstChunks.slice(0, -1).every((c) => c.length >= 12)).toBe(true);
    expect(first.at(-1)!.data.cached).toBe(false);
    const second = await readSse(await streamRequest(t, token, { provider: 'openai', prompt: 'replay me', chunk_size: 12 }));
    expect(second.at(-1)!.data).toMatchObject({ cached: true, tokens_used: 0, estimated_cost: 0 });
    expect(content(second)).toEqual(firstChunks);
    const raw1 = content(await readSse(await streamRequest(t, token, { provider: 'openai', prompt: 'boundaries' })));
    const raw2 = content(await readSse(await streamRequest(t, token, { provider: 'openai', prompt: 'boundaries' })));
    expect(raw2).toEqual(raw1);
    expect(raw1.length).toBe(1 + 24); // chunk by chunk as the upstream sent them, not one blob
    expect(mock.count('openai')).toBe(2);
    // A completed stream also serves the plain completion path.
    const json = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'boundaries' } });
    expect(json.body).toMatchObject({ cached: true, response: raw1.join('') });
  });

  it('does not cache a stream cut short upstream, and reports the error in the stream', async () => {
    mock.enqueue('anthropic', { dropAfterChunks: 4 });
    const cut = await readSse(await streamRequest(t, token, { provider: 'anthropic', prompt: 'cut short' }));
    expect(cut.at(-1)!.event).toBe('error');
    expect(cut.at(-1)!.data.error.code).toMatch(/^PROVIDER_/);
    const again = await readSse(await streamRequest(t, token, { provider: 'anthropic', prompt: 'cut short' }));
    expect(again.at(-1)!.data).toMatchObject({ is_complete: true, cached: false });
    expect(mock.count('anthropic')).toBe(2);
  });

  it('shares one upstream stream among identical concurrent requests', async () => {
    mock.configure({ chunkDelayMs: 20 });
    const all = await Promise.all(Array.from({ length: 6 }, () => streamRequest(t, token, { provider: 'gemini', prompt: 'shared stream' }).then(readSse)));
    expect(mock.count('gemini')).toBe(1);
    const texts = all.map((ev) => content(ev).join(''));
    expect(new Set(texts).size).toBe(1);
    expect(all.filter((ev) => ev.at(-1)!.data.cached === false)).toHaveLength(1);
  });

  it('aborts the upstream request when the client disconnects, and records the partial usage', async () => {
    // The upstream sends its role event and three pieces, then holds the rest until the test ends.
    let release!: () => void;
    mock.enqueue('openai', { pauseAfterChunks: { chunks: 4, until: new Promise<void>((r) => (release = r)) } });
    try {
      const controller = new AbortController();
      const res = await streamRequest(t, token, { provider: 'openai', prompt: 'long story', no_cache: true }, controller.signal);
      const received = await readSse(res, (_e, all) => content(all).filter(Boolean).length === 3);
      controller.abort();
      await until(() => mock.aborted('openai') === 1, 'the upstream abort');
      await until(() => t.app.services.streaming.slots.active === 0, 'the stream slot');
      await t.app.services.recorder.flush();
      const row = await t.app.services.db.prisma.apiCall.findFirst({ where: { errorCode: 'CLIENT_DISCONNECTED' } });
      expect(row).toMatchObject({ provider: 'openai', streamed: true, status: 'error', costEstimated: true });
      // Exactly what was generated before the client left, counted by the tokenizer.
      expect(row!.outputTokens).toBe(countTokens(content(received).join(''), row!.model));
    } finally {
      release();
    }
  });

  it('aborts the upstream call of a plain completion when the client disconnects (REST and GraphQL)', async () => {
    mock.configure({ latencyMs: 3_000 });
    const calls: [string, unknown][] = [
      ['/api/ai/openai', { prompt: 'client leaves (REST)', no_cache: true }],
      ['/graphql', { query: 'mutation($input: CompletionInput!) { completion(input: $input) { response } }', variables: { input: { provider: 'openai', prompt: 'client leaves (GraphQL)', cache: { read: false, write: false } } } }],
    ];
    for (const [i, [path, body]] of calls.entries()) {
      const controller = new AbortController();
      const answer = fetch(`${t.url}${path}`, {
        method: 'POST', signal: controller.signal,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).catch((e: Error) => e);
      await until(() => mock.count('openai') === i + 1, `the upstream call from ${path}`);
      controller.abort();
      expect(await answer).toMatchObject({ name: 'AbortError' });
      await until(() => mock.aborted('openai') === i + 1, `the upstream abort from ${path}`);
    }
  });

  it('records completed streams with their real usage and cost', async () => {
    const since = new Date();
    const events = await readSse(await streamRequest(t, token, { provider: 'cohere', prompt: 'recorded stream' }));
    const last = events.at(-1)!.data;
    await t.app.services.recorder.flush();
    const rows = await t.app.services.db.prisma.apiCall.findMany({ where: { provider: 'cohere', streamed: true, status: 'success', createdAt: { gte: since } } });
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({ inputTokens: last.input_tokens, outputTokens: last.output_tokens, costUsd: last.estimated_cost, costEstimated: false });
  });

  it('serves EventSource via GET with the token in the query, and sessions', async () => {
    const url = `${t.url}/api/ai/stream?provider=ollama&prompt=${encodeURIComponent('What is machine learning?')}&token=${token}`;
    const received = await new Promise<any[]>((resolve, reject) => {
      const chunks: any[] = [];
      const es = new EventSource(url);
      es.onmessage = (event) => {
        const chunk = JSON.parse(event.data);
        chunks.push(chunk);
        if (chunk.is_complete) {
          es.close();
          resolve(chunks);
        }
      };
      es.onerror = (e) => {
        es.close();
        reject(new Error(`EventSource error ${(e as { message?: string }).message ?? ''}`));
      };
    });
    expect(received.at(-1)).toMatchObject({ is_complete: true, provider: 'ollama' });
    expect(received.length).toBeGreaterThan(3);

    const unauth = await fetch(`${t.url}/api/ai/stream?provider=ollama&prompt=x`);
    expect(unauth.status).toBe(401);

    // The login also sets the token as an HttpOnly cookie scoped to the streaming path.
    const login = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-for-tests' }),
    });
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^aigw_token=[^;]+; Path=\/api\/ai\/stream; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0]!;
    const viaCookie = await new Promise<any>((resolve, reject) => {
      const es = new EventSource(`${t.url}/api/ai/stream?provider=local&prompt=cookie`, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie } }),
      });
      es.onmessage = (event) => {
        const chunk = JSON.parse(event.data);
        if (chunk.is_complete) {
          es.close();
          resolve(chunk);
        }
      };
      es.onerror = () => {
        es.close();
        reject(new Error('EventSource with cookie failed'));
      };
    });
    expect(viaCookie.provider).toBe('local');

    const session = await t.request('POST', '/api/ai/stream/session', { token, body: { prompt: 'Your prompt', provider: 'gemini', max_tokens: 40 } });
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ prompt: 'Your prompt', provider: 'gemini', streaming_url: `/api/ai/stream?session_id=${session.body.session_id}` });
    expect(session.body.expected_duration_ms).toBe(500 + 40 * 15); // Gemini's first token, then 15 ms a token
    const viaSession = await readSse(await fetch(`${t.url}${session.body.streaming_url}&token=${token}`));
    expect(viaSession.at(-1)!.data).toMatchObject({ is_complete: true, provider: 'gemini' });
    const missing = await fetch(`${t.url}/api/ai/stream?session_id=00000000-0000-0000-0000-000000000000&token=${token}`);
    expect(missing.status).toBe(404);
  });

  it('streams over a graphql-ws subscription', async () => {
    const client = wsClient(t.url, token);
    try {
      const r = await collect(client, { query: print(StreamCompletionDocument), variables: { input: { provider: 'huggingface', prompt: 'subscribe', maxTokens: 20 }, chunkSize: 5 } });
      expect(r.error).toBeUndefined();
      const chunks = r.results.map((x) => x.data.streamCompletion);
      expect(chunks.length).toBeGreaterThan(2);
      const last = chunks.at(-1)!;
      expect(last).toMatchObject({ isComplete: true, content: '' });
      expect(last.result).toMatchObject({ provider: 'huggingface', cached: false });
      expect(chunks.slice(0, -1).map((c: { content: string }) => c.content).join('')).toBe(last.result.response);
    } finally {
      await client.dispose();
    }
  });

  it('passes the field arguments to the subscription however they are written (inline, or a variable of another name)', async () => {
    const client = wsClient(t.url, token);
    try {
      // Twice each: a document's second run goes through the compiled operation (src/graphql-jit.ts).
      for (let run = 0; run < 2; run++) {
        const inline = await collect(client, { query: 'subscription { streamCompletion(input: { provider: "local", prompt: "written inline" }, chunkSize: 4) { content isComplete result { provider response } } }' });
        const renamed = await collect(client, {
          query: 'subscription S($in: CompletionInput!, $size: Int) { streamCompletion(input: $in, chunkSize: $size) { content isComplete result { provider response } } }',
          variables: { in: { provider: 'local', prompt: 'another variable name' }, size: 4 },
        });
        for (const r of [inline, renamed]) {
          expect(r.error).toBeUndefined();
          const chunks = r.results.map((x) => x.data.streamCompletion);
          const last = chunks.at(-1)!;
          expect(last).toMatchObject({ isComplete: true, result: { provider: 'local' } });
          expect(chunks.slice(0, -1).map((c: { content: string }) => c.content).join('')).toBe(last.result.response);
          expect(chunks.slice(0, -2).every((c: { content: string }) => c.content.length >= 4)).toBe(true);
        }
        // A bad argument is the client's error, with its code, not a broken stream.
        const bad = await collect(client, { query: 'subscription { streamCompletion(input: { provider: "local", prompt: "x", maxTokens: -1 }) { content } }' });
        expect(JSON.stringify(bad.error ?? bad.results)).toContain('VALIDATION_ERROR');
      }
    } finally {
      await client.dispose();
    }
  });

  it('tears the upstream stream down when a graphql-ws subscriber stops', async () => {
    mock.configure({ chunkDelayMs: 100, chunks: 40 });
    const client = wsClient(t.url, token);
    try {
      let received = 0;
      const unsubscribe = client.subscribe(
        { query: print(StreamCompletionDocument), variables: { input: { provider: 'openai', prompt: 'stop me', cache: { read: false, write: false } } } },
        { next: () => void received++, error: () => {}, complete: () => {} },
      );
      await until(() => received >= 2, 'two chunks');
      unsubscribe();
      await until(() => mock.aborted('openai') === 1, 'the upstream abort');
      await until(() => t.app.services.streaming.slots.active === 0, 'the stream slot');
    } finally {
      await client.dispose();
    }
  });

  it('streams over GraphQL SSE as well', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(StreamCompletionDocument), variables: { input: { provider: 'local', prompt: 'sse subscription' } } }),
    });
    const events = (await readSse(res)).filter((e) => e.event === 'next');
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1)!.data.data.streamCompletion.isComplete).toBe(true);
  });

  it('reports true active counts and enforces the per-user limit', async () => {
    const limited = await startTestApp({ backend, env: mockProviderEnv(mock, { MAX_STREAMS_PER_USER: '1', MAX_CONCURRENT_STREAMS: '5' }) });
    try {
      const tk = await limited.adminToken();
      mock.configure({ chunkDelayMs: 50, chunks: 30 });
      const controller = new AbortController();
      const first = await streamRequest(limited, tk, { provider: 'openai', prompt: 'hold the slot', no_cache: true }, controller.signal);
      const reading = readSse(first, () => false).catch(() => []);
      const health = await limited.request('GET', '/api/ai/stream/health', { token: tk });
      expect(health.body).toMatchObject({ streaming_available: true, max_concurrent_streams: 5, active_streams: 1 });
      expect(health.body.supported_providers).toEqual(expect.arrayContaining(['openai', 'gemini', 'local']));
      const second = await streamRequest(limited, tk, { provider: 'openai', prompt: 'no slot left', no_cache: true });
      expect(second.status).toBe(429);
      expect((await second.json()).error.code).toBe('STREAM_LIMIT');
      controller.abort();
      await reading;
      await until(async () => (await limited.request('GET', '/api/ai/stream/health', { token: tk })).body.active_streams === 0, 'the slot to be released');
    } finally {
      await limited.stop();
    }
  });
});

describe('streaming switched off and across instances', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());

  it('answers STREAMING_DISABLED when ENABLE_STREAMING=false', async () => {
    const t = await startTestApp({ backend: 'embedded', env: { ENABLE_STREAMING: 'false' } });
    try {
      const token = await t.adminToken();
      const r = await streamRequest(t, token, { prompt: 'x' });
      expect(r.status).toBe(503);
      expect((await r.json()).error.code).toBe('STREAMING_DISABLED');
      expect((await t.request('GET', '/api/ai/stream/health', { token })).body.streaming_available).toBe(false);
    } finally {
      await t.stop();
    }
  });

  it('consumes on one instance a session created on another, and shares one upstream stream across instances', async () => {
    const a = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock) });
    const shared = { databaseUrl: a.config.databaseUrl, redisPrefix: a.config.redisKeyPrefix };
    const b = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock), share: shared });
    try {
      const ta = await a.adminToken();
      const tb = await b.adminToken();
      const session = await a.request('POST', '/api/ai/stream/session', { token: ta, body: { prompt: 'made on A', provider: 'openai' } });
      const events = await readSse(await fetch(`${b.url}${session.body.streaming_url}&token=${tb}`));
      expect(events.at(-1)!.data).toMatchObject({ is_complete: true, provider: 'openai' });
      expect(content(events).join('')).toContain('made on A');

      // The upstream holds the stream after its first two pieces until B has joined and received them.
      mock.reset();
      mock.configure({ chunks: 20 });
      let release!: () => void;
      mock.enqueue('anthropic', { pauseAfterChunks: { chunks: 5, until: new Promise<void>((r) => (release = r)) } });
      const onA = streamRequest(a, ta, { provider: 'anthropic', prompt: 'one upstream for two instances' }).then(readSse);
      await until(() => mock.count('anthropic') === 1, 'the leader stream');
      let joined!: () => void;
      const midStream = new Promise<void>((r) => (joined = r));
      const readingB = streamRequest(b, tb, { provider: 'anthropic', prompt: 'one upstream for two instances' }).then((res) =>
        readSse(res, (_e, all) => {
          if (content(all).some(Boolean)) joined();
        }),
      );
      await midStream;
      release();
      const onB = await readingB;
      const fromA = await onA;
      expect(mock.count('anthropic')).toBe(1);
      expect(content(onB).join('')).toBe(content(fromA).join(''));
      expect(onB.at(-1)!.data).toMatchObject({ is_complete: true, cached: true });
    } finally {
      await b.stop({ cleanup: false });
      await a.stop();
    }
  });
});
