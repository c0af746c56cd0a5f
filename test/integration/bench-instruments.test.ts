// The benchmarks' instruments (bench/lib), held to exact counts, never to rates or timings:
// the closed-loop load generator and its unique prompts, the stream holder that finds stalls,
// the statistics every table is made of, the provider-like upstream (its wire format through
// the real OpenAI SDK) and the bare proxy the gateway is compared with. The benchmarks
// themselves run with `npm run bench`.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, closedLoop, RawConnection, UniqueRequests } from '../../bench/lib/http-load.js';
import { openaiBody } from '../../bench/lib/payloads.js';
import { startProviderUpstream, upstreamDelayMs, type ProviderUpstream } from '../../bench/lib/provider-upstream.js';
import type { Mock } from '../../bench/lib/servers.js';
import { median, percentileSorted, ratio, summarize } from '../../bench/lib/stats.js';
import { holdStreams, mockSpec, peakOverlap } from '../../bench/lib/streams.js';

const STALL_GAP_MS = 1_500;
const STALL_MS = 300;

let server: http.Server;
let url: string;
let received = 0;
let concurrent = 0;
let maxConcurrent = 0;

beforeAll(async () => {
  // /ok answers at once, /fail with 500 (both counted); /v1/chat/completions streams OpenAI-style
  // SSE: nothing until every stream of the test is open, then all chunks at once, except the
  // stream whose prompt says "stall", which pauses STALL_GAP_MS after its third chunk.
  const waiting: (() => void)[] = [];
  let streamsExpected = 0;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/ok' || req.url === '/fail') {
        received++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        setImmediate(() => {
          concurrent--;
          if (req.url === '/fail') res.writeHead(500).end('{"error":"no"}');
          else res.end('{"ok":true}');
        });
        return;
      }
      if (req.url === '/expect') {
        streamsExpected = Number(body);
        res.end();
        return;
      }
      const { max_tokens: n, messages } = JSON.parse(body) as { max_tokens: number; messages: { content: string }[] };
      const stall = messages[0]!.content.includes('stall');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (i: number) => `data: ${JSON.stringify({ choices: [{ delta: { content: `w${i}` } }] })}\n\n`;
      const send = () => {
        let out = '';
        for (let i = 0; i <= n; i++) {
          out += chunk(i);
          if (stall && i === 2) {
            res.write(out);
            out = '';
            setTimeout(() => res.end(Array.from({ length: n - 2 }, (_, k) => chunk(k + 3)).join('') + 'data: [DONE]\n\n'), STALL_GAP_MS);
            return;
          }
        }
        res.end(out + 'data: [DONE]\n\n');
      };
      waiting.push(send);
      if (waiting.length === streamsExpected) for (const w of waiting.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('statistics', () => {
  it('nearest-rank percentiles, medians, ratios and overlaps', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, p50: 2, max: 3, mean: 2 });
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, NaN, 1, 3])).toBe(3);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, 4)).toBe(0.25);
    expect(peakOverlap([[0, 10], [5, 15], [9, 20], [10, 11]])).toBe(3);
    expect(peakOverlap([[0, 1], [1, 2], [2, 3]])).toBe(1);
  });
});

describe('closed-loop load', () => {
  it('sends exactly the requests asked for, one at a time per connection, and times each answer', async () => {
    received = 0;
    maxConcurrent = 0;
    const r = await closedLoop({ url, requests: [buildRequest('GET', `${url}/ok`)], connections: 2, durationMs: 60_000, maxRequests: 40 });
    expect(received).toBe(40);
    expect(maxConcurrent).toBeLessThanOrEqual(2);
    expect(r).toMatchObject({ completed: 40, errors: 0 });
    expect(r.latency.n).toBe(40);
  });

  it('counts error answers as errors, not as latency samples', async () => {
    const r = await closedLoop({ url, requests: [buildRequest('GET', `${url}/fail`), buildRequest('GET', `${url}/ok`)], connections: 1, durationMs: 60_000, maxRequests: 10 });
    expect(r).toMatchObject({ completed: 5, errors: 5 });
    expect(r.latency.n).toBe(5);
    expect(r.firstError).toMatch(/^HTTP 500/);
  });
});

describe('unique requests', () => {
  it('makes every request different only in its prompt serial, and says which prompt it sent', () => {
    const u = new UniqueRequests((p) => buildRequest('POST', `${url}/v1/chat/completions`, {}, openaiBody(p)), 'Same words');
    const seen = new Set<string>();
    let length = -1;
    for (let i = 0; i < 100; i++) {
      const bytes = u.next();
      const text = bytes.toString('latin1');
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { messages: { content: string }[] };
      expect(body.messages[0]!.content).toBe(u.lastPrompt());
      expect(u.lastPrompt()).toMatch(/^Same words \[[a-z0-9]+-\d{12}\]$/);
      seen.add(u.lastPrompt());
      if (length < 0) length = bytes.length;
      expect(bytes.length).toBe(length);
    }
    expect(seen.size).toBe(100);
  });
});

describe('stream holding', () => {
  it('times every chunk and finds the one stalled stream', async () => {
    await fetch(`${url}/expect`, { method: 'POST', body: '6' });
    const spec = mockSpec({ openai: `${url}/v1` } as Mock);
    await spec.prepare(6);
    const stats = await holdStreams(spec, {
      streams: 6,
      rampMs: 50,
      maxTokens: 30,
      stallMs: STALL_MS,
      prompt: (i) => (i === 2 ? 'please stall' : `stream ${i}`),
    });
    await spec.close();
    expect(stats).toMatchObject({ streams: 6, completed: 6, failed: 0, short: 0, stalled: 1 });
    expect(stats.ttfc.n).toBe(6);
    expect(stats.gap.n).toBe(6 * 30);
  });
});

describe('provider-like upstream', () => {
  let up: ProviderUpstream;
  let upLength: ProviderUpstream;
  beforeAll(async () => {
    up = await startProviderUpstream({ tokens: 12, latencyMs: 0 });
    upLength = await startProviderUpstream({ tokens: 12, framing: 'length', gzip: false });
  });
  afterAll(async () => {
    await up.close();
    await upLength.close();
  });

  const post = (target: ProviderUpstream, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
      const req = http.request(`${target.openai}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(typeof body === 'string' ? body : JSON.stringify(body));
    });

  it('answers with chunked transfer encoding and no Content-Length, with the real API headers', async () => {
    const r = await post(up, openaiBody('hello', 5));
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['x-request-id']).toMatch(/^req_[0-9a-z]{32}$/);
    expect(r.headers['openai-version']).toBe('2020-10-01');
    expect(r.headers['openai-processing-ms']).toMatch(/^\d+$/);
    expect(r.headers['x-ratelimit-remaining-tokens']).toMatch(/^\d+$/);
    expect(r.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-[A-Z]{3}$/);
    expect(r.headers['set-cookie']).toHaveLength(2);
    expect(r.headers.date).toBeDefined();
    expect(r.headers.connection).toBe('keep-alive');
    const json = JSON.parse(r.body.toString('utf8'));
    expect(r.body.toString('utf8')).toContain('\n  "object": "chat.completion",\n'); // pretty-printed, as the real API
    expect(json.choices[0]).toMatchObject({ index: 0, finish_reason: 'length', message: { role: 'assistant', refusal: null } });
    expect(json.choices[0].message.content.split(' ')).toHaveLength(5);
    expect(json.usage).toMatchObject({ completion_tokens: 5 });
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + 5);
  });

  it('sends Content-Length when configured so, and gzip only to a client that accepts it', async () => {
    const plain = await post(upLength, openaiBody('hello', 50));
    expect(plain.headers['content-length']).toBe(String(plain.body.length));
    expect(plain.headers['transfer-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString('utf8')).choices[0].finish_reason).toBe('stop');
    const noGzip = await post(upLength, openaiBody('hello', 50), { 'accept-encoding': 'gzip' });
    expect(noGzip.headers['content-encoding']).toBeUndefined();

    const gz = await post(up, openaiBody('hello', 50), { 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['transfer-encoding']).toBe('chunked');
    const json = JSON.parse(gunzipSync(gz.body).toString('utf8'));
    expect(json.choices[0].message.content.split(' ')).toHaveLength(12);
    expect(up.counters.gzipped).toBe(1);
  });

  it('refuses a body that is not JSON and an unknown path with OpenAI-shaped errors', async () => {
    const bad = await post(up, '{"model": ');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString('utf8')).error).toMatchObject({ type: 'invalid_request_error' });
    const res = await fetch(`${up.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Invalid URL/);
  });

  it('is read by the real OpenAI SDK, whole and streamed (global fetch: gzip accepted)', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: up.openai, maxRetries: 0 });
    const before = up.counters.gzipped;
    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(whole.choices[0]!.message.content).toBe('the a gateway');
    expect(whole.usage?.completion_tokens).toBe(3);
    expect(up.counters.gzipped).toBe(before + 1);

    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces).toEqual(['the', ' a', ' gateway', ' answers']);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ completion_tokens: 4 });
  });

  it('waits the delay the prompt fixes, which a client can recompute', async () => {
    const jittery = await startProviderUpstream({ latencyMs: 20, jitterMs: 10 });
    try {
      const prompts = ['a', 'b', 'c', 'd', 'e'];
      for (const p of prompts) expect((await post(jittery, openaiBody(p, 1))).status).toBe(200);
      const expected = prompts.reduce((sum, p) => sum + upstreamDelayMs(p, 20, 10), 0);
      expect(jittery.counters.delayMsTotal).toBe(expected);
      for (const p of prompts) expect(Math.abs(upstreamDelayMs(p, 20, 10) - 20)).toBeLessThanOrEqual(10);
      expect(upstreamDelayMs('a', 1000, 0)).toBe(1000);
    } finally {
      await jittery.close();
    }
  });
});

describe('bare proxy', () => {
  let up: ProviderUpstream;
  let proxy: ChildProcess;
  let proxyUrl: string;
  beforeAll(async () => {
    up = await startProviderUpstream({ tokens: 6 });
    proxy = spawn(process.execPath, [path.join('bench', 'lib', 'floor-proxy.mjs'), '--upstream', up.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    proxyUrl = await new Promise<string>((resolve, reject) => {
      proxy.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      proxy.once('exit', (code) => reject(new Error(`floor-proxy exited ${code}`)));
    });
  });
  afterAll(async () => {
    proxy.kill();
    await up.close();
  });

  it('passes the body through untouched: chunked stays chunked, gzip stays gzip, SSE event by event', async () => {
    const conn = await RawConnection.connect(Number(new URL(proxyUrl).port));
    try {
      const gz = await conn.send(buildRequest('POST', `${proxyUrl}/v1/chat/completions`, { 'accept-encoding': 'gzip' }, openaiBody('x', 6)));
      expect(gz.status).toBe(200);
      expect(JSON.parse(gunzipSync(gz.body).toString('utf8')).choices[0].message.content).toBe('the a gateway answers every request');
      const sse = await conn.send(buildRequest('POST', `${proxyUrl}/v1/chat/completions`, {}, openaiBody('x', 2, true)));
      const events = sse.body.toString('utf8').split('\n\n').filter(Boolean);
      expect(events).toHaveLength(5); // role, two pieces, finish, [DONE]
      expect(events.at(-1)).toBe('data: [DONE]');
    } finally {
      conn.close();
    }
    expect(up.counters).toMatchObject({ completions: 1, streams: 1, gzipped: 1 });
  });
});
