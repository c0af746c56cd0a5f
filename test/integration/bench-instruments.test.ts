// The benchmarks' measuring instruments (bench/lib), against servers whose timing the test
// sets: the closed-loop load generator, the stream holder that finds stalls, and the
// statistics every table is made of. The benchmarks themselves run with `npm run bench`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, closedLoop } from '../../bench/lib/http-load.js';
import { median, percentileSorted, ratio, summarize } from '../../bench/lib/stats.js';
import { holdStreams, mockSpec } from '../../bench/lib/streams.js';
import type { Mock } from '../../bench/lib/servers.js';

const DELAY_MS = 5;
const CHUNK_MS = 10;
const STALL_MS = 300;

let server: http.Server;
let url: string;

beforeAll(async () => {
  // /slow answers after DELAY_MS, /fail with 500; /v1/chat/completions streams OpenAI-style SSE,
  // one content chunk per CHUNK_MS, with one long pause when the prompt says "stall".
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/slow') {
        setTimeout(() => res.end('{"ok":true}'), DELAY_MS);
        return;
      }
      if (req.url === '/fail') {
        res.writeHead(500).end('{"error":"no"}');
        return;
      }
      const { max_tokens: n, messages } = JSON.parse(body) as { max_tokens: number; messages: { content: string }[] };
      const stall = messages[0]!.content.includes('stall');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const next = () => {
        if (sent === n + 1) {
          res.end('data: [DONE]\n\n');
          return;
        }
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: `w${sent}` } }] })}\n\n`);
        sent++;
        setTimeout(next, stall && sent === 3 ? STALL_MS * 2 : CHUNK_MS);
      };
      next();
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
  it('nearest-rank percentiles, medians and ratios', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, p50: 2, max: 3, mean: 2 });
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, NaN, 1, 3])).toBe(3);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, 4)).toBe(0.25);
  });
});

describe('closed-loop load', () => {
  it('measures the latency the server adds and counts every answer', async () => {
    const r = await closedLoop({ url, requests: [buildRequest('GET', `${url}/slow`)], connections: 2, durationMs: 400 });
    expect(r.errors).toBe(0);
    expect(r.completed).toBeGreaterThan(10);
    expect(r.latency.p50).toBeGreaterThanOrEqual(DELAY_MS - 1); // timers may fire a little early
    // Two connections, each waiting for its answer: the rate cannot exceed 2 per DELAY_MS.
    expect(r.rps).toBeLessThanOrEqual((2 * 1000) / (DELAY_MS - 1));
  });

  it('counts error answers as errors, not as latency samples', async () => {
    const r = await closedLoop({ url, requests: [buildRequest('GET', `${url}/fail`), buildRequest('GET', `${url}/slow`)], connections: 1, durationMs: 300 });
    expect(r.errors).toBeGreaterThan(0);
    expect(r.completed).toBeGreaterThan(0);
    expect(Math.abs(r.errors - r.completed)).toBeLessThanOrEqual(1); // they alternate
    expect(r.firstError).toMatch(/^HTTP 500/);
  });
});

describe('stream holding', () => {
  it('times every chunk, finds the stalled stream, and counts streams running at once', async () => {
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
    expect(stats.maxGapMs).toBeGreaterThanOrEqual(STALL_MS * 2 - 5);
    expect(stats.peakConcurrent).toBe(6); // every stream (31 chunks, 300 ms or more) lasts far longer than the 50 ms ramp
    expect(stats.gap.p50).toBeGreaterThanOrEqual(CHUNK_MS - 2);
    expect(stats.gap.p50).toBeLessThan(STALL_MS);
    expect(stats.ttfc.n).toBe(6);
  });
});
