// The fetch the provider SDKs are given, against a real HTTP server on loopback: it must
// behave as the global fetch does for everything the SDKs do with it; and the SDKs' calls
// through it against the mock upstream, beside the same calls on the global fetch.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamFetch, upstreamFetchOmitting } from '../../src/providers/upstream-fetch.js';
import { providerFactories } from '../../src/providers/registry.js';
import type { ChatRequest, StreamEvent, UpstreamError } from '../../src/providers/types.js';
import { startMockUpstream, type MockProvider, type MockUpstream } from '../mock-upstream/server.js';

let server: http.Server;
let base: string;
const closed: string[] = [];
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url!, 'http://x');
      switch (url.pathname) {
        case '/echo':
          res.setHeader('content-type', 'application/json');
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body, search: url.search }));
          return;
        case '/headers':
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.setHeader('X-Multi', ['1', '2']);
          res.setHeader('x-request-id', 'req_1');
          res.end('{}');
          return;
        case '/gzip':
          res.setHeader('content-encoding', 'gzip');
          res.end(gzipSync('{"packed":"gzip"}'));
          return;
        case '/br':
          res.setHeader('content-encoding', 'br');
          res.end(brotliCompressSync('{"packed":"br"}'));
          return;
        case '/empty':
          res.statusCode = 204;
          res.end();
          return;
        case '/moved':
          res.statusCode = 307;
          res.setHeader('location', '/echo?moved=1');
          res.end();
          return;
        case '/error':
          res.statusCode = 429;
          res.setHeader('retry-after', '7');
          res.end('{"error":{"message":"slow down"}}');
          return;
        case '/sse': {
          res.setHeader('content-type', 'text/event-stream');
          let n = 0;
          const timer = setInterval(() => {
            n += 1;
            res.write(`data: ${n}\n\n`);
            if (n === 3 && url.searchParams.get('forever') !== '1') {
              clearInterval(timer);
              res.end();
            }
          }, 5);
          res.on('close', () => {
            clearInterval(timer);
            closed.push('/sse');
          });
          return;
        }
        case '/big': {
          // Larger than one socket read: the body is still arriving when the caller reads it.
          const big = JSON.stringify({ text: 'x'.repeat(300_000) });
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-length', Buffer.byteLength(big));
          res.write(big.slice(0, 1000), () => res.end(big.slice(1000)));
          return;
        }
        case '/cut':
          res.setHeader('content-length', '100');
          res.write('{"partial":', () => res.socket?.destroy()); // once it is on its way
          return;
        default:
          res.statusCode = 404;
          res.end('not found');
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += Buffer.from(value).toString('utf8');
  }
}

describe('upstreamFetch', () => {
  it('sends method, headers in every form and a string body, and reads JSON', async () => {
    for (const headers of [
      { 'Content-Type': 'application/json', 'X-Key': 'k1' },
      new Headers({ 'content-type': 'application/json', 'x-key': 'k1' }),
      [['content-type', 'application/json'], ['x-key', 'k1']] as [string, string][],
    ]) {
      const res = await upstreamFetch(`${base}/echo?q=1`, { method: 'post', headers, body: '{"a":1}' });
      expect(res.status).toBe(200);
      expect(res.ok).toBe(true);
      expect(res.statusText).toBe('OK');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      const echo = (await res.json()) as { method: string; headers: Record<string, string>; body: string; search: string };
      expect(echo).toMatchObject({ method: 'POST', body: '{"a":1}', search: '?q=1' });
      expect(echo.headers['content-type']).toBe('application/json');
      expect(echo.headers['x-key']).toBe('k1');
      expect(echo.headers['content-length']).toBe('7');
      expect(res.bodyUsed).toBe(true);
      await expect(res.text()).rejects.toThrow(TypeError);
    }
  });

  it('reads whole answers and answers still arriving, and keeps one connection for sequential calls', async () => {
    await (await upstreamFetch(`${base}/echo`)).json();
    const before = connections;
    for (let i = 0; i < 20; i++) {
      const res = await upstreamFetch(`${base}/echo?i=${i}`, { method: 'POST', body: `{"i":${i}}` });
      expect(((await res.json()) as { body: string }).body).toBe(`{"i":${i}}`);
    }
    const big = (await (await upstreamFetch(`${base}/big`)).json()) as { text: string };
    expect(big.text).toHaveLength(300_000);
    expect(((await (await upstreamFetch(`${base}/echo`)).json()) as { method: string }).method).toBe('GET');
    expect(connections).toBe(before);
  });

  it("answers every Headers read as the global fetch's response headers do, and stays a Headers after changes", async () => {
    const [ours, theirs] = await Promise.all([upstreamFetch(`${base}/headers`), fetch(`${base}/headers`)]);
    await Promise.all([ours.text(), theirs.text()]);
    const h = ours.headers;
    expect(h).toBeInstanceOf(Headers);
    // The date header can differ by a second between the two answers.
    const pairs = (x: Headers) => [...x].filter(([name]) => name !== 'date');
    expect(pairs(h)).toEqual(pairs(theirs.headers));
    expect([...h.entries()].filter(([n]) => n !== 'date')).toEqual([...theirs.headers.entries()].filter(([n]) => n !== 'date'));
    expect([...h.keys()]).toEqual([...theirs.headers.keys()]);
    const seen: string[] = [];
    h.forEach((value, name, parent) => {
      expect(parent).toBe(h);
      seen.push(name);
    });
    expect(seen).toEqual([...theirs.headers.keys()]);
    expect([...h.values()].length).toBe([...theirs.headers.values()].length);
    expect(h.get('x-multi')).toBe('1, 2');
    for (const name of ['Content-Type', 'set-cookie', 'SET-COOKIE', 'x-multi', 'X-Request-Id', 'x-missing', 'content-length']) {
      expect(h.get(name)).toBe(theirs.headers.get(name));
      expect(h.has(name)).toBe(theirs.headers.has(name));
    }
    expect(h.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(() => h.get('bad name')).toThrow(TypeError);
    expect(new Headers(h).get('content-type')).toBe('application/json');
    // A change: from then on it is the Headers proper.
    h.append('x-added', '1');
    h.set('content-type', 'text/plain');
    h.delete('set-cookie');
    expect(h.get('x-added')).toBe('1');
    expect(h.get('content-type')).toBe('text/plain');
    expect(h.getSetCookie()).toEqual([]);
    expect([...h.keys()]).toContain('x-added');
  });

  it('sends bytes and URLSearchParams bodies, and adds the defaults fetch adds', async () => {
    const bytes = await (await upstreamFetch(`${base}/echo`, { method: 'PUT', body: new TextEncoder().encode('raw') })).json();
    expect(bytes).toMatchObject({ method: 'PUT', body: 'raw' });
    const form = (await (await upstreamFetch(new URL(`${base}/echo`), { method: 'POST', body: new URLSearchParams({ a: 'b c' }) })).json()) as {
      body: string;
      headers: Record<string, string>;
    };
    expect(form.body).toBe('a=b+c');
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(form.headers.accept).toBe('*/*');
    const text = (await (await upstreamFetch(`${base}/echo`, { method: 'POST', body: 'hi' })).json()) as { headers: Record<string, string> };
    expect(text.headers['content-type']).toBe('text/plain;charset=UTF-8');
  });

  it('leaves connection and framing headers to the HTTP client, as fetch does', async () => {
    const echo = (await (
      await upstreamFetch(`${base}/echo`, {
        method: 'POST',
        headers: { connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'content-length': '999', host: 'elsewhere', 'x-kept': 'yes' },
        body: 'abc',
      })
    ).json()) as { headers: Record<string, string>; body: string };
    expect(echo.body).toBe('abc');
    expect(echo.headers['content-length']).toBe('3');
    expect(echo.headers.host).toBe(new URL(base).host);
    expect(echo.headers['x-kept']).toBe('yes');
    expect(echo.headers['transfer-encoding']).toBeUndefined();
  });

  it('upstreamFetchOmitting leaves out the headers it names, whatever their case, on its own path and through the global fetch', async () => {
    const send = upstreamFetchOmitting(['X-Stainless-OS', 'x-stainless-arch']);
    const headers = new Headers({ 'X-Stainless-OS': 'Linux', 'x-stainless-Arch': 'x64', 'X-Stainless-Helper-Method': 'stream', 'x-kept': 'yes' });
    const fd = new FormData();
    fd.set('field', 'value');
    for (const body of ['abc', fd]) {
      const echo = (await (await send(`${base}/echo`, { method: 'POST', headers, body })).json()) as { headers: Record<string, string> };
      expect(Object.keys(echo.headers).filter((k) => k.startsWith('x-')).sort()).toEqual(['x-kept', 'x-stainless-helper-method']);
    }
  });

  it('hands FormData bodies to the global fetch', async () => {
    const fd = new FormData();
    fd.set('field', 'value');
    const echo = (await (await upstreamFetch(`${base}/echo`, { method: 'POST', body: fd })).json()) as { headers: Record<string, string>; body: string };
    expect(echo.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(echo.body).toContain('value');
  });

  it('decodes gzip and br bodies', async () => {
    expect(await (await upstreamFetch(`${base}/gzip`)).json()).toEqual({ packed: 'gzip' });
    expect(await (await upstreamFetch(`${base}/br`)).json()).toEqual({ packed: 'br' });
  });

  it('answers 204 with a null body, error statuses with their headers and body', async () => {
    const empty = await upstreamFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe('');
    const err = await upstreamFetch(`${base}/error`);
    expect(err.ok).toBe(false);
    expect(err.status).toBe(429);
    expect(err.statusText).toBe('Too Many Requests');
    expect(err.headers.get('retry-after')).toBe('7');
    expect(await err.json()).toEqual({ error: { message: 'slow down' } });
  });

  it('follows redirects', async () => {
    const res = await upstreamFetch(`${base}/moved`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ search: '?moved=1' });
  });

  it('streams the body as a web ReadableStream, and clone() gives a second copy', async () => {
    const res = await upstreamFetch(`${base}/sse`);
    const copy = res.clone();
    expect(copy).toBeInstanceOf(Response);
    expect(await readAll(res.body!)).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    expect(await copy.text()).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    expect(res.bodyUsed).toBe(true);
  });

  it('iterates the body with for await, and leaving the loop early closes the upstream request', async () => {
    const res = await upstreamFetch(`${base}/sse`);
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString('utf8');
    expect(text).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    expect(res.bodyUsed).toBe(true);

    closed.length = 0;
    const endless = await upstreamFetch(`${base}/sse?forever=1`);
    for await (const chunk of endless.body as unknown as AsyncIterable<Uint8Array>) {
      expect(Buffer.from(chunk).toString('utf8')).toBe('data: 1\n\n');
      break;
    }
    await expect.poll(() => closed.includes('/sse')).toBe(true);
  });

  it('rejects with the signal reason when aborted before or during the body, and the server sees the close', async () => {
    const before = new AbortController();
    before.abort();
    await expect(upstreamFetch(`${base}/echo`, { signal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });

    const during = new AbortController();
    const res = await upstreamFetch(`${base}/sse?forever=1`, { signal: during.signal });
    const reader = res.body!.getReader();
    await reader.read();
    during.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closed.includes('/sse')).toBe(true);
  });

  it('reports network failures as fetch does: TypeError "fetch failed" with the cause', async () => {
    const spare = http.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const err = await upstreamFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('fetch failed');
    expect(((err as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('fails the body read when the connection is cut mid-body', async () => {
    const res = await upstreamFetch(`${base}/cut`);
    await expect(res.text()).rejects.toThrow(/other side closed|terminated|aborted|closed/i);
  });
});

// ---------------------------------------------------------------------------
// Conformance: every adapter whose SDK takes a `fetch` runs the same calls against the mock
// upstream on upstreamFetch and on the global fetch, and must come out the same. (Gemini's
// SDK has no fetch option: its calls always go through the global fetch.)

const CONFORMANCE: [MockProvider, string][] = [
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-3-5-sonnet-20241022'],
  ['cohere', 'command-a-03-2025'],
  ['huggingface', 'meta-llama/Llama-3.3-70B-Instruct'],
  ['ollama', 'llama3.1'],
];
const FETCHES: [string, typeof fetch][] = [
  ['upstreamFetch', upstreamFetch],
  ['the global fetch', globalThis.fetch],
];

describe('the provider SDKs on upstreamFetch and on the global fetch', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    await mock?.close();
  });

  const KEY = 'sk-test-SECRET-key-0123456789';
  const ask = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model, messages: [{ role: 'user', content: 'What is the weather in Paris today?' }], ...extra });
  const tool = { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
  const opts = () => ({ signal: new AbortController().signal });
  const collect = async (events: AsyncIterable<StreamEvent>) => {
    const out: StreamEvent[] = [];
    for await (const e of events) out.push(e);
    return out;
  };
  /** What a stream amounts to: its text, its assembled tool calls (names and arguments) and its end. */
  const summary = (events: StreamEvent[]) => ({
    text: events.map((e) => (e.type === 'delta' ? e.text : '')).join(''),
    calls: events.reduce<string[]>((calls, e) => {
      if (e.type === 'tool_call') calls[e.index] = (calls[e.index] ?? `${e.name}:`) + (e.arguments ?? '');
      return calls;
    }, []),
    done: events.at(-1),
  });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as UpstreamError);

  /** The same calls, one fetch: everything that must not depend on which fetch carried them. */
  async function run(provider: MockProvider, model: string, fetchImpl: typeof fetch) {
    mock.reset();
    let sent = 0;
    const send: typeof fetch = (input, init) => {
      sent++;
      return fetchImpl(input, init);
    };
    const adapter = providerFactories[provider]({ apiKey: KEY, baseUrl: mock.baseUrls[provider], fetch: send });
    const { latencyMs: _l, toolCalls, ...chat } = await adapter.chat(ask(model, { tools: [tool] }), opts());
    mock.configure({ framing: 'chunked' });
    const chunked = await adapter.chat(ask(model, { maxTokens: 5 }), opts());
    mock.configure({ framing: undefined });
    const streamed = summary(await collect(adapter.stream(ask(model), opts())));
    const streamedTools = summary(await collect(adapter.stream(ask(model, { tools: [tool] }), opts())));
    mock.configure({ framing: 'length' });
    const whole = summary(await collect(adapter.stream(ask(model, { maxTokens: 5 }), opts())));
    mock.configure({ framing: undefined });
    mock.enqueue(provider, { status: 429, headers: { 'retry-after': '7' } });
    const limited = await failure(adapter.chat(ask(model), opts()));
    mock.enqueue(provider, { status: 500 });
    const broken = await failure(collect(adapter.stream(ask(model), opts())));
    await adapter.health(opts());
    // The consumer stops after the first piece: the upstream request is torn down.
    mock.configure({ chunks: 5000, chunkDelayMs: 1 });
    for await (const e of adapter.stream(ask(model), opts())) if (e.type === 'delta') break;
    await expect.poll(() => mock.aborted(provider)).toBe(1);
    mock.configure({ chunks: undefined, chunkDelayMs: undefined });
    // Every request went through the fetch given (and none around it).
    expect([sent, mock.requests.length]).toEqual([9, 9]);
    return {
      chat: { ...chat, calls: toolCalls?.map((c) => `${c.name}:${c.arguments}`) },
      chunked: { text: chunked.text, finishReason: chunked.finishReason, outputTokens: chunked.outputTokens },
      streamed,
      streamedTools,
      whole,
      limited: [limited.kind, limited.status, limited.retryAfter],
      broken: [broken.kind, broken.status],
    };
  }

  it.each(CONFORMANCE)('%s: the same answers, streams and failures on both', async (provider, model) => {
    const [ours, theirs] = [await run(provider, model, FETCHES[0]![1]), await run(provider, model, FETCHES[1]![1])];
    expect(ours).toEqual(theirs);
    // And they are what the calls should give.
    expect([ours.chat.finishReason, ours.chat.calls?.[0]?.startsWith('get_weather:{')]).toEqual(['tool_calls', true]);
    expect([ours.chunked.finishReason, ours.chunked.outputTokens]).toEqual(['length', 5]);
    expect(ours.streamed.text).toMatch(/^Mock \w+ answer to "What is the weather in Paris today\?": /);
    expect(ours.streamedTools.calls.map((c) => c.split(':')[0])).toEqual(['get_weather']);
    expect(ours.streamedTools.calls[0]).toBe(ours.chat.calls![0]);
    expect([ours.whole.done?.type, (ours.whole.done as { finishReason?: string }).finishReason]).toEqual(['done', 'length']);
    expect(ours.limited).toEqual(['http', 429, 7]);
    expect(ours.broken).toEqual(['http', 500]);
  });
});
