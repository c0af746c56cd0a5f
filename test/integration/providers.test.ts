// Every provider adapter, through its real SDK, against the wire-level mock upstream.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockProvider, type MockUpstream, type RecordedRequest } from '../mock-upstream/server.js';
import { providerFactories } from '../../src/providers/registry.js';
import type { ChatRequest, ProviderAdapter, StreamEvent } from '../../src/providers/types.js';
import { UpstreamError } from '../../src/providers/types.js';
import { guardedStream, streamEnd, timedChat, type Fail } from '../../src/providers/calls.js';
import { defined } from '../../src/providers/shared.js';

const KEY = 'sk-test-SECRET-key-0123456789';
const SYSTEM = 'You are a terse assistant.';
const USER = 'What is the capital of France? Answer in one word please.';
const MAX = 5;

interface Case {
  provider: MockProvider;
  model: string;
  chatPath: string;
  streamPath: string;
  /** The (normalised) finish reason when max tokens cut the answer. */
  lengthReason: string;
  /** Generation parameters from the provider's allow-list, sent as `extra`. */
  extra: Record<string, unknown>;
  /** Checks the recorded request body: system placement and parameter names. */
  checkBody(body: Record<string, unknown>): void;
  checkAuth(headers: http.IncomingHttpHeaders): void;
  embeds: boolean;
}

const bearer = (h: http.IncomingHttpHeaders) => expect(h.authorization).toBe(`Bearer ${KEY}`);

const cases: Case[] = [
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    chatPath: '/openai/v1/chat/completions',
    streamPath: '/openai/v1/chat/completions',
    lengthReason: 'length',
    extra: { logit_bias: { '50256': -100 } },
    checkBody(b) {
      expect(b.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ]);
      expect(b).toMatchObject({ model: 'gpt-4o-mini', max_tokens: MAX, temperature: 0.3, top_p: 0.9, stop: ['END'], logit_bias: { '50256': -100 } });
    },
    checkAuth: bearer,
    embeds: true,
  },
  {
    provider: 'anthropic',
    model: 'claude-3-haiku',
    chatPath: '/anthropic/v1/messages',
    streamPath: '/anthropic/v1/messages',
    lengthReason: 'length',
    extra: { top_k: 5 },
    checkBody(b) {
      expect(b.system).toBe(SYSTEM);
      expect(b.messages).toEqual([{ role: 'user', content: USER }]);
      expect(b).toMatchObject({ model: 'claude-3-haiku', max_tokens: MAX, temperature: 0.3, top_p: 0.9, stop_sequences: ['END'], top_k: 5 });
    },
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    checkAuth: (h) => expect(h['x-api-key'] ?? h.authorization).toMatch(new RegExp(`^(Bearer )?${KEY}$`)),
    embeds: false,
  },
  {
    provider: 'gemini',
    model: 'gemini-1.5-pro',
    chatPath: '/gemini/v1beta/models/gemini-1.5-pro:generateContent',
    streamPath: '/gemini/v1beta/models/gemini-1.5-pro:streamGenerateContent?alt=sse',
    lengthReason: 'length',
    extra: { topK: 5, safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
    checkBody(b) {
      expect((b.systemInstruction as { parts: { text: string }[] }).parts[0]!.text).toBe(SYSTEM);
      expect(b.contents).toEqual([{ role: 'user', parts: [{ text: USER }] }]);
      expect(b.generationConfig).toEqual({ maxOutputTokens: MAX, temperature: 0.3, topP: 0.9, stopSequences: ['END'], topK: 5 });
      expect(b.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
    },
    checkAuth: (h) => expect(h['x-goog-api-key']).toBe(KEY),
    embeds: true,
  },
  {
    provider: 'cohere',
    model: 'command-r',
    chatPath: '/cohere/v2/chat',
    streamPath: '/cohere/v2/chat',
    lengthReason: 'length',
    extra: { k: 5 },
    checkBody(b) {
      expect(b.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ]);
      expect(b).toMatchObject({ model: 'command-r', max_tokens: MAX, temperature: 0.3, p: 0.9, stop_sequences: ['END'], k: 5 });
    },
    checkAuth: bearer,
    embeds: true,
  },
  {
    provider: 'huggingface',
    model: 'mistralai/Mistral-7B-Instruct-v0.2',
    chatPath: '/huggingface/v1/chat/completions',
    streamPath: '/huggingface/v1/chat/completions',
    lengthReason: 'length',
    extra: { logprobs: true },
    checkBody(b) {
      expect(b.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ]);
      expect(b).toMatchObject({
        model: 'mistralai/Mistral-7B-Instruct-v0.2',
        max_tokens: MAX,
        temperature: 0.3,
        top_p: 0.9,
        stop: ['END'],
        logprobs: true,
      });
    },
    checkAuth: bearer,
    embeds: false,
  },
  {
    provider: 'ollama',
    model: 'mistral',
    chatPath: '/ollama/api/chat',
    streamPath: '/ollama/api/chat',
    lengthReason: 'length',
    extra: { think: true, options: { top_k: 5 } },
    checkBody(b) {
      expect(b.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
      ]);
      expect(b.options).toEqual({ num_predict: MAX, temperature: 0.3, top_p: 0.9, stop: ['END'], top_k: 5 });
      expect(b).toMatchObject({ model: 'mistral', think: true });
    },
    checkAuth: () => {},
    embeds: true,
  },
];

const request = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: USER },
  ],
  maxTokens: MAX,
  temperature: 0.3,
  topP: 0.9,
  stop: ['END'],
  ...extra,
});

const FILLER = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');
const EXPECTED_INPUT = encode(`${SYSTEM}\n${USER}`).length;

const opts = () => ({ signal: new AbortController().signal });

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

async function failure(p: Promise<unknown> | (() => Promise<unknown>)): Promise<UpstreamError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected an UpstreamError, got success');
}

/** Polls check until it holds (a bounded number of times). */
async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let mock: MockUpstream;
let deadUrl: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  deadUrl = await closedPortUrl();
});
afterAll(async () => {
  await mock?.close();
});
beforeEach(() => mock.reset());

const lastCompletion = (p: MockProvider): RecordedRequest | undefined =>
  mock.requests.filter((r) => r.provider === p && r.completion).at(-1);

describe.each(cases)('$provider adapter', (c) => {
  const adapter = (): ProviderAdapter => providerFactories[c.provider]({ apiKey: KEY, baseUrl: mock.baseUrls[c.provider] });
  it('chat returns the answer, token counts and model as reported', async () => {
    const res = await adapter().chat(request(c.model, { extra: c.extra }), opts());
    expect(res.text.startsWith(`Mock ${c.provider} answer to "${USER.slice(0, 40)}": `)).toBe(true);
    expect(res.text.split(': ')[1]!.split(' ')).toHaveLength(MAX);
    expect(res.text.split(': ')[1]!.split(' ').every((w) => FILLER.includes(w))).toBe(true);
    expect(res.inputTokens).toBe(EXPECTED_INPUT);
    expect(res.outputTokens).toBe(MAX);
    expect(res.finishReason).toBe(c.lengthReason);
    expect(res.model).toBe(c.model);
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);

    const rec = lastCompletion(c.provider)!;
    expect(rec.method).toBe('POST');
    expect(rec.path).toBe(c.chatPath);
    c.checkBody(rec.body as Record<string, unknown>);
    c.checkAuth(rec.headers);
    expect(mock.count(c.provider)).toBe(1);
  });

  it('every call of one adapter carries the key, streams too', async () => {
    const a = adapter();
    for (let i = 0; i < 3; i++) {
      await a.chat(request(c.model, { extra: c.extra }), opts());
      c.checkAuth(lastCompletion(c.provider)!.headers);
      await collect(a.stream(request(c.model, { extra: c.extra }), opts()));
      c.checkAuth(lastCompletion(c.provider)!.headers);
    }
  });

  it('stream yields several deltas that add up to the chat answer, then one done with usage', async () => {
    const a = adapter();
    const chat = await a.chat(request(c.model, { extra: c.extra }), opts());
    const events = await collect(a.stream(request(c.model, { extra: c.extra }), opts()));
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((d) => d.text).join('')).toBe(chat.text);
    const done = events.filter((e) => e.type === 'done');
    expect(done).toHaveLength(1);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: c.lengthReason,
      inputTokens: EXPECTED_INPUT,
      outputTokens: MAX,
      model: c.model,
    });
    const rec = lastCompletion(c.provider)!;
    expect(rec.path).toBe(c.streamPath);
    c.checkBody(rec.body as Record<string, unknown>);
    if (c.provider === 'openai' || c.provider === 'huggingface') {
      expect((rec.body as Record<string, unknown>).stream_options).toEqual({ include_usage: true });
    }
  });

  it('401 becomes http 401 without the API key in the message', async () => {
    mock.enqueue(c.provider, { status: 401 });
    const err = await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(401);
    expect(err.message).not.toContain(KEY);
    expect(err.message.length).toBeLessThan(300);
    expect(err.message).toContain(c.provider);
  });

  it('429 with retry-after: 7 carries retryAfter 7', async () => {
    mock.enqueue(c.provider, { status: 429, headers: { 'retry-after': '7' } });
    const err = await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(7);
  });

  it('500 becomes http 500, also when streaming', async () => {
    mock.enqueue(c.provider, { status: 500 });
    const err = await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()));
    expect(err.status).toBe(500);
    mock.enqueue(c.provider, { status: 500 });
    const streamErr = await failure(() => collect(adapter().stream(request(c.model, { extra: c.extra }), opts())));
    expect(streamErr.kind).toBe('http');
    expect(streamErr.status).toBe(500);
  });

  it('a 503 is reported once (the SDK does not retry)', async () => {
    mock.enqueue(c.provider, { status: 503 });
    const err = await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()));
    expect(err.status).toBe(503);
    expect(mock.count(c.provider)).toBe(1);
  });

  it('a malformed body is an UpstreamError, not a crash', async () => {
    mock.enqueue(c.provider, { malformed: true });
    const err = await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()));
    expect(['malformed', 'http']).toContain(err.kind);
    mock.enqueue(c.provider, { malformed: true });
    const streamErr = await failure(() => collect(adapter().stream(request(c.model, { extra: c.extra }), opts())));
    expect(['malformed', 'http']).toContain(streamErr.kind);
  });

  it('a connection dropped mid-stream is a network error', async () => {
    mock.enqueue(c.provider, { dropAfterChunks: 5 });
    const seen: StreamEvent[] = [];
    const err = await failure(async () => {
      for await (const e of adapter().stream(request(c.model, { extra: c.extra }), opts())) seen.push(e);
    });
    expect(err.kind).toBe('network');
    expect(seen.filter((e) => e.type === 'delta').length).toBeGreaterThan(0);
    expect(seen.some((e) => e.type === 'done')).toBe(false);
    // Without a response at all, too.
    mock.enqueue(c.provider, { dropAfterChunks: 0 });
    expect((await failure(adapter().chat(request(c.model, { extra: c.extra }), opts()))).kind).toBe('network');
  });

  it('aborting the signal mid-stream aborts the upstream request', async () => {
    mock.configure({ chunkDelayMs: 25, chunks: 40 });
    const controller = new AbortController();
    const err = await failure(async () => {
      for await (const e of adapter().stream(request(c.model, { maxTokens: undefined, extra: c.extra }), { signal: controller.signal })) {
        if (e.type === 'delta') controller.abort();
      }
    });
    expect(err.kind).toBe('aborted');
    await waitFor(() => mock.aborted(c.provider) === 1);
  });

  it('breaking out of the loop aborts the upstream request', async () => {
    mock.configure({ chunkDelayMs: 25, chunks: 40 });
    let deltas = 0;
    for await (const e of adapter().stream(request(c.model, { maxTokens: undefined, extra: c.extra }), opts())) {
      if (e.type === 'delta' && ++deltas === 2) break;
    }
    expect(deltas).toBe(2);
    await waitFor(() => mock.aborted(c.provider) === 1);
  });

  it('aborting a non-streaming call rejects with kind aborted', async () => {
    let release!: () => void;
    mock.enqueue(c.provider, { hold: new Promise<void>((r) => (release = r)) });
    try {
      const controller = new AbortController();
      const call = failure(adapter().chat(request(c.model, { extra: c.extra }), { signal: controller.signal }));
      await waitFor(() => mock.count(c.provider) === 1); // the request is at the upstream, unanswered
      controller.abort();
      expect((await call).kind).toBe('aborted');
      await waitFor(() => mock.aborted(c.provider) === 1);
    } finally {
      release();
    }
  });

  it('health resolves against the mock and rejects against a closed port', async () => {
    await expect(adapter().health(opts())).resolves.toBeUndefined();
    const dead = providerFactories[c.provider]({ apiKey: KEY, baseUrl: deadUrl });
    const err = await failure(dead.health(opts()));
    expect(err.kind).toBe('network');
    expect(err.message).not.toContain(KEY);
    const chatErr = await failure(dead.chat(request(c.model, { extra: c.extra }), opts()));
    expect(chatErr.kind).toBe('network');
  });

  it('isConfigured reflects the API key', () => {
    expect(adapter().isConfigured()).toBe(true);
    const bare = providerFactories[c.provider]({ baseUrl: mock.baseUrls[c.provider] });
    expect(bare.isConfigured()).toBe(c.provider === 'ollama');
  });

  it('describes itself and honours settings.defaultModel', () => {
    const a = adapter();
    expect(a.name).toBe(c.provider);
    expect(a.models).toContain(a.defaultModel);
    expect(a.maxOutputTokens(a.defaultModel)).toBeGreaterThan(0);
    const custom = providerFactories[c.provider]({ apiKey: KEY, defaultModel: 'my-model' });
    expect(custom.defaultModel).toBe('my-model');
  });

  it.runIf(c.embeds)('embeds texts', async () => {
    const a = adapter();
    const vectors = await a.embed!(['hello world', 'hello there world', 'something else entirely'], opts());
    expect(vectors).toHaveLength(3);
    for (const v of vectors) expect(v.length).toBeGreaterThan(8);
    const again = await a.embed!(['hello world'], opts());
    expect(again[0]).toEqual(vectors[0]);
  });
});

describe('provider specifics', () => {
  it('anthropic defaults max_tokens to 1024', async () => {
    const a = providerFactories.anthropic({ apiKey: KEY, baseUrl: mock.baseUrls.anthropic });
    const res = await a.chat({ model: 'claude-3-haiku', messages: [{ role: 'user', content: 'hi' }] }, opts());
    expect(res.finishReason).toBe('stop');
    expect((lastCompletion('anthropic')!.body as Record<string, unknown>).max_tokens).toBe(1024);
  });

  it('unset parameters are not sent, and the default model is used when the request names none', async () => {
    const a = providerFactories.openai({ apiKey: KEY, baseUrl: mock.baseUrls.openai });
    const res = await a.chat({ model: '', messages: [{ role: 'user', content: 'hi' }] }, opts());
    const body = lastCompletion('openai')!.body as Record<string, unknown>;
    expect(body.model).toBe('gpt-4');
    expect(res.model).toBe('gpt-4');
    for (const k of ['max_tokens', 'temperature', 'top_p', 'stop']) expect(body).not.toHaveProperty(k);
  });

  it("the OpenAI adapter's requests carry no SDK telemetry, through the SDK's public options only", async () => {
    const a = providerFactories.openai({ apiKey: KEY, baseUrl: mock.baseUrls.openai });
    const last = () => mock.requests.filter((r) => r.provider === 'openai').at(-1)!.headers;
    await a.chat(request('gpt-4o-mini'), opts());
    const chat = last();
    await a.health(opts()); // a GET: no body, so no content-type
    const get = last();
    await collect(a.stream(request('gpt-4o-mini'), opts()));
    const stream = last();
    for (const h of [chat, get, stream]) {
      expect(h.authorization).toBe(`Bearer ${KEY}`);
      expect(h['user-agent']).toMatch(/^OpenAI\/JS /);
      expect(Object.keys(h).filter((k) => k.startsWith('x-stainless-'))).toEqual([]); // no host telemetry upstream
    }
    expect(chat['content-type']).toBe('application/json');
    expect(get['content-type']).toBeUndefined();
  });

  it('ollama chat asks for a non-streamed answer and streams when asked', async () => {
    const a = providerFactories.ollama({ baseUrl: mock.baseUrls.ollama });
    await a.chat(request('llama2'), opts());
    expect((lastCompletion('ollama')!.body as Record<string, unknown>).stream).toBe(false);
    await collect(a.stream(request('llama2'), opts()));
    expect((lastCompletion('ollama')!.body as Record<string, unknown>).stream).toBe(true);
  });

  it('retry-after as an HTTP date is converted to seconds', async () => {
    const a = providerFactories.openai({ apiKey: KEY, baseUrl: mock.baseUrls.openai });
    mock.enqueue('openai', { status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } });
    const err = await failure(a.chat(request('gpt-4'), opts()));
    expect(err.retryAfter).toBeGreaterThanOrEqual(28);
    expect(err.retryAfter).toBeLessThanOrEqual(31);
  });

  it('a timeout signal is reported as kind timeout', async () => {
    let release!: () => void;
    mock.enqueue('cohere', { hold: new Promise<void>((r) => (release = r)) }); // answers only after the timeout
    const a = providerFactories.cohere({ apiKey: KEY, baseUrl: mock.baseUrls.cohere });
    const err = await failure(a.chat(request('command'), { signal: AbortSignal.timeout(50) })).finally(() => release());
    expect(err.kind).toBe('timeout');
  });

  it('an adapter without a key fails without calling the upstream', async () => {
    const a = providerFactories.openai({ baseUrl: mock.baseUrls.openai });
    const err = await failure(a.chat(request('gpt-4'), opts()));
    expect(err.status).toBe(401);
    expect(mock.requests).toHaveLength(0);
  });

  it('the mock answers unknown paths with 404 JSON and survives bad input', async () => {
    const res = await fetch(`${mock.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty('error');
    const bad = await fetch(`${mock.baseUrls.openai}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${mock.baseUrls.ollama}/api/version`);
    expect(await ok.json()).toEqual({ version: '0.6.4' });
  });
});

describe('shared adapter helpers', () => {
  const fail: Fail = (err) => (err instanceof UpstreamError ? err : new UpstreamError('network', `wrapped: ${String(err)}`));

  it('defined drops undefined values only', () => {
    expect(defined({ a: 1, b: undefined, c: null, d: 0, e: '', f: false })).toEqual({ a: 1, c: null, d: 0, e: '', f: false });
    expect(Object.keys(defined({ a: undefined }))).toEqual([]);
  });

  it('timedChat adds latencyMs and maps what the call throws', async () => {
    const answer = { text: 'x', finishReason: 'stop', inputTokens: 1, outputTokens: 2, model: 'm' };
    const res = await timedChat(new AbortController().signal, fail, async () => answer);
    expect(res).toEqual({ ...answer, latencyMs: expect.any(Number) });
    const err = await failure(timedChat(new AbortController().signal, fail, async () => Promise.reject(new Error('boom'))));
    expect(err.message).toBe('wrapped: Error: boom');
  });

  it('guardedStream: deltas for non-empty strings only, then one done with the returned end', async () => {
    const events = await collect(
      guardedStream('p', new AbortController().signal, fail, async function* () {
        const end = streamEnd('m');
        yield 'a';
        yield '';
        yield undefined;
        yield 42;
        yield 'b';
        end.finishReason = 'stop';
        end.outputTokens = 2;
        return end;
      }),
    );
    expect(events).toEqual([
      { type: 'delta', text: 'a' },
      { type: 'delta', text: 'b' },
      { type: 'done', finishReason: 'stop', inputTokens: null, outputTokens: 2, model: 'm' },
    ]);
  });

  it('guardedStream: an SDK that ends quietly on abort is still an abort, and errors go through fail', async () => {
    const controller = new AbortController();
    const err = await failure(() =>
      collect(
        guardedStream('p', controller.signal, fail, async function* () {
          yield 'a';
          controller.abort();
          return streamEnd('m');
        }),
      ),
    );
    expect(err.kind).toBe('aborted');
    expect(err.message).toBe('p request aborted');
    const thrown = await failure(() =>
      collect(
        guardedStream('p', new AbortController().signal, fail, async function* () {
          yield 'a';
          throw new Error('dropped');
        }),
      ),
    );
    expect(thrown.message).toBe('wrapped: Error: dropped');
  });

  it('guardedStream: stopping early closes the producer and aborts its signal; a finished stream does not', async () => {
    let linked: AbortSignal | undefined;
    let closed = false;
    for await (const e of guardedStream('p', new AbortController().signal, fail, async function* (signal) {
      linked = signal;
      try {
        yield 'a';
        yield 'b';
        return streamEnd('m');
      } finally {
        closed = true;
      }
    })) {
      if (e.type === 'delta') break;
    }
    expect(closed).toBe(true);
    expect(linked!.aborted).toBe(true);

    await collect(
      guardedStream('p', new AbortController().signal, fail, async function* (signal) {
        linked = signal;
        yield 'a';
        return streamEnd('m');
      }),
    );
    expect(linked!.aborted).toBe(false);
  });
});
