// Stream clients that time every content chunk: SSE over HTTP (the mock's and
// Portkey's OpenAI format, the gateway's /api/ai/stream) and graphql-ws
// (subscription streamCompletion, client from graphql-ws with ws).
import http from 'node:http';
import net from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { STREAM_SUBSCRIPTION, auth, gqlInput, openaiBody, PROMPT } from './payloads.js';
import { summarize, type Summary } from './stats.js';
import { MODEL, UPSTREAM_KEY, type Gateway, type Mock, type Portkey } from './servers.js';

export interface StreamOutcome {
  ok: boolean;
  error?: string;
}

export interface StreamSpec {
  id: string;
  label: string;
  /** Opens one stream asking for maxTokens words; onContent gets the arrival time of each content chunk. */
  open(maxTokens: number, prompt: string, onContent: (t: number) => void): Promise<StreamOutcome>;
  /** Opens n idle connections ahead (keep-alive sockets / connected graphql-ws clients). */
  prepare(n: number): Promise<void>;
  close(): Promise<void>;
}

// An event with non-empty content: OpenAI's delta.content and the gateway's content alike.
const CONTENT = /"content":"(?!")/;

/**
 * One connection per stream. prepare(n) opens n TCP connections ahead, a couple of
 * hundred at a time: a burst of connects would overflow the server's accept queue
 * (Node's backlog is 511) and show up as 1 s SYN retransmits in the time to first chunk.
 */
function sseOver(url: string, headers: Record<string, string>, body: (maxTokens: number, prompt: string) => unknown) {
  const u = new URL(url);
  const pool: net.Socket[] = [];
  const connect = () =>
    new Promise<net.Socket | null>((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname);
      sock.once('connect', () => resolve(sock));
      sock.once('error', () => resolve(null));
    });
  const prepare = async (n: number) => {
    for (let left = n - pool.length; left > 0; left -= 200) {
      const batch = await Promise.all(Array.from({ length: Math.min(200, left) }, connect));
      for (const sock of batch) if (sock) pool.push(sock);
      await new Promise((r) => setTimeout(r, 20)); // let the server accept them
    }
  };
  const open = (maxTokens: number, prompt: string, onContent: (t: number) => void) =>
    new Promise<StreamOutcome>((resolve) => {
      const payload = Buffer.from(JSON.stringify(body(maxTokens, prompt)));
      const sock = pool.pop();
      const req = http.request(url, {
        method: 'POST',
        agent: false,
        ...(sock ? { createConnection: () => sock } : {}),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length), accept: 'text/event-stream' },
      });
      req.setNoDelay(true);
      req.on('response', (res) => {
        res.setEncoding('utf8');
        let buf = '';
        let error: string | undefined = res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`;
        res.on('data', (d: string) => {
          const t = performance.now();
          buf += d;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (error) {
              error += ` ${ev}`.slice(0, 300);
              continue;
            }
            if (ev.startsWith('event: error')) error = ev.slice(0, 300);
            else if (CONTENT.test(ev)) onContent(t);
          }
        });
        res.on('end', () => resolve(error ? { ok: false, error: error + (buf ? ` ${buf.slice(0, 200)}` : '') } : { ok: true }));
        res.on('error', (e) => resolve({ ok: false, error: e.message }));
      });
      req.on('error', (e) => resolve({ ok: false, error: e.message }));
      req.end(payload);
    });
  return {
    open,
    prepare,
    close: async () => {
      for (const sock of pool.splice(0)) sock.destroy();
    },
  };
}

export function mockSpec(mock: Mock): StreamSpec {
  return {
    id: 'direct',
    label: 'mock directly (SSE)',
    ...sseOver(`${mock.openai}/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }, (n, p) => openaiBody(p, n, true)),
  };
}

export function sseSpec(gw: Gateway, token: string): StreamSpec {
  return {
    id: 'sse',
    label: 'gateway SSE',
    ...sseOver(`${gw.url}/api/ai/stream`, auth(token), (n, p) => ({ provider: 'openai', model: MODEL, prompt: p, max_tokens: n, no_cache: true })),
  };
}

export function portkeySpec(pk: Portkey, mock: Mock): StreamSpec {
  return { id: 'portkey', label: 'Portkey SSE', ...sseOver(`${pk.url}/v1/chat/completions`, pk.headers(mock), (n, p) => openaiBody(p, n, true)) };
}

/** graphql-ws; clients (one socket each) are pooled and reused like keep-alive connections. */
export function wsSpec(gw: Gateway, token: string): StreamSpec {
  const idle: Client[] = [];
  const all = new Set<Client>();
  const url = `${gw.url.replace(/^http/, 'ws')}/graphql`;
  const make = (connected?: () => void) => {
    const c = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: 0,
      keepAlive: 0,
      on: connected ? { connected } : undefined,
      onNonLazyError: () => {},
    });
    all.add(c);
    return c;
  };
  return {
    id: 'graphql-ws',
    label: 'gateway graphql-ws',
    open(maxTokens, prompt, onContent) {
      const client = idle.pop() ?? make();
      return new Promise<StreamOutcome>((resolve) => {
        let error: string | undefined;
        client.subscribe<{ streamCompletion: { content: string; isComplete: boolean } }>(
          { query: STREAM_SUBSCRIPTION, variables: { input: gqlInput(prompt, maxTokens, { cache: { read: false, write: false } }) } },
          {
            next(v) {
              const t = performance.now();
              if (v.errors?.length) error ??= JSON.stringify(v.errors).slice(0, 300);
              else if (v.data?.streamCompletion.content) onContent(t);
            },
            error(e) {
              const msg = e instanceof Error ? e.message : Array.isArray(e) ? JSON.stringify(e).slice(0, 300) : (e as { reason?: string; code?: number }).reason || `socket closed (${(e as { code?: number }).code ?? '?'})`;
              all.delete(client);
              void client.dispose();
              resolve({ ok: false, error: msg });
            },
            complete() {
              idle.push(client);
              resolve(error ? { ok: false, error } : { ok: true });
            },
          },
        );
      });
    },
    async prepare(n) {
      for (let left = n - idle.length; left > 0; left -= 200) {
        await Promise.all(Array.from({ length: Math.min(200, left) }, () => new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          idle.push(make(() => {
            clearTimeout(timer);
            resolve();
          }));
        })));
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await Promise.all([...all].map((c) => c.dispose()));
      all.clear();
      idle.length = 0;
    },
  };
}

export interface StreamStats {
  streams: number;
  completed: number;
  failed: number;
  firstError?: string;
  /** Streams with fewer content chunks than asked for. */
  short: number;
  stalled: number;
  /** Most streams receiving chunks at the same moment (first to last chunk of each). */
  peakConcurrent: number;
  maxGapMs: number;
  /** Chunk index at which each stalled stream's longest gap ended (early = set-up contention). */
  stallAtChunk: Summary;
  /** The longest the load generator's own event loop was late (a check on the measurement). */
  clientMaxLagMs: number;
  ttfc: Summary;
  gap: Summary;
}

export interface StreamRunOptions {
  streams: number;
  /** Stream starts spread evenly over this window. */
  rampMs: number;
  maxTokens: number;
  /** A gap above this is a stall. */
  stallMs?: number;
  /** Give up on the run after this long. */
  timeoutMs?: number;
  /** Content chunks a complete stream has (default maxTokens + 1: the test mock's header piece, then one word per token). */
  expectedChunks?: number;
  prompt?: (i: number) => string;
}

/** Opens `streams` streams (starts spread over rampMs), waits for all, and times every chunk. */
export async function holdStreams(spec: StreamSpec, o: StreamRunOptions): Promise<StreamStats> {
  const ttfc: number[] = [];
  const gaps: number[] = [];
  let completed = 0;
  let failed = 0;
  let short = 0;
  let stalled = 0;
  let maxGap = 0;
  let firstError: string | undefined;
  const stallAt: number[] = [];
  const spans: [number, number][] = [];
  const expected = o.expectedChunks ?? o.maxTokens + 1;
  const one = async (i: number) => {
    await new Promise((r) => setTimeout(r, (i * o.rampMs) / o.streams));
    const start = performance.now();
    let last = -1;
    let first = -1;
    let count = 0;
    let mine = 0;
    let mineAt = 0;
    const outcome = await spec.open(o.maxTokens, o.prompt?.(i) ?? `${PROMPT} (stream ${i})`, (t) => {
      if (last < 0) {
        ttfc.push(t - start);
        first = t;
      }
      else {
        const g = t - last;
        gaps.push(g);
        if (g > mine) {
          mine = g;
          mineAt = count;
        }
      }
      last = t;
      count++;
    });
    if (!outcome.ok) {
      failed++;
      firstError ??= outcome.error;
      return;
    }
    completed++;
    if (first >= 0) spans.push([first, last]);
    if (count < expected) short++;
    if (o.stallMs !== undefined && mine > o.stallMs) {
      stalled++;
      stallAt.push(mineAt);
    }
    if (mine > maxGap) maxGap = mine;
  };
  let lastTick = performance.now();
  let clientMaxLag = 0;
  const lagTimer = setInterval(() => {
    const t = performance.now();
    if (t - lastTick - 5 > clientMaxLag) clientMaxLag = t - lastTick - 5;
    lastTick = t;
  }, 5);
  const all = Promise.all(Array.from({ length: o.streams }, (_, i) => one(i)));
  const timeoutMs = o.timeoutMs ?? o.rampMs + 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
  clearTimeout(timer);
  clearInterval(lagTimer);
  if (timedOut) {
    failed += o.streams - completed - failed;
    firstError ??= `timed out after ${timeoutMs} ms`;
  }
  return { streams: o.streams, completed, failed, firstError, short, stalled, peakConcurrent: peakOverlap(spans), maxGapMs: maxGap, clientMaxLagMs: clientMaxLag, stallAtChunk: summarize(stallAt), ttfc: summarize(ttfc), gap: summarize(gaps) };
}

/** Most spans [start, end] open at one moment (a span ending when another starts does not overlap it). */
export function peakOverlap(spans: [number, number][]): number {
  const events = spans.flatMap(([a, b]) => [[a, 1], [b, -1]] as [number, number][]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) {
    now += d;
    if (now > peak) peak = now;
  }
  return peak;
}
