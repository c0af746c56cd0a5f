// The benchmarks' upstream: OpenAI's chat completions API as the real service answers it,
// not as the test mock does. Non-streaming answers are pretty-printed JSON sent with chunked
// transfer encoding and no Content-Length (or with one, when asked), gzip-compressed when the
// client accepts it; streams are SSE at a configurable pace; every answer carries the headers
// the real API sends (request id, rate limits, processing time, version, Cloudflare's). The
// latency before an answer is configurable, with a jitter that the client can recompute from
// the prompt (upstreamDelayMs), so added latency is exact even when answers vary.
//
// It must stay far cheaper than what it serves: one process, answers built from strings
// prepared per answer length, gzip bodies compressed once per shape and second (a ring of
// distinct ids), no per-request state beyond the response.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Framing = 'chunked' | 'length';

export interface ProviderUpstreamOptions {
  port?: number;
  host?: string;
  /** Time before the answer (non-streaming) or before the first event (streaming), ms. */
  latencyMs?: number;
  /** Each answer's latency moves by up to this much either way, fixed by its prompt. */
  jitterMs?: number;
  /** Pause between streamed events, ms (0: every event at once). */
  chunkMs?: number;
  /** Answer length in tokens (one word each) when the request's max_tokens is larger or absent. */
  tokens?: number;
  /** chunked (no Content-Length, as the providers answer) or length. */
  framing?: Framing;
  /** Compress non-streaming answers when the client accepts gzip (default true). */
  gzip?: boolean;
  /** Listen backlog (default 4096: bursts of new connections are the rig's, not the server's, limit). */
  backlog?: number;
}

export interface UpstreamCounters {
  completions: number;
  streams: number;
  gzipped: number;
  errors: number;
  inFlight: number;
  maxInFlight: number;
  /** Sum of the delays chosen (ms): a client that recomputes them (upstreamDelayMs) can check it agrees. */
  delayMsTotal: number;
}

export interface ProviderUpstream {
  url: string;
  port: number;
  /** OpenAI base URL (with /v1). */
  openai: string;
  counters: UpstreamCounters;
  close(): Promise<void>;
}

const MAX_TOKENS_CAP = 4096;
const WORDS = 'the a gateway answers every request with care and speed while the upstream model thinks about tokens prices caches streams and users'.split(' ');

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The upstream's delay for a request whose last message is `prompt`: latencyMs moved by up to
 * jitterMs either way, fixed by the prompt's hash, so a load generator that knows what it sent
 * knows what the upstream waited.
 */
export function upstreamDelayMs(prompt: string, latencyMs: number, jitterMs: number): number {
  if (jitterMs <= 0) return latencyMs;
  const u = fnv1a(prompt) / 0x1_0000_0000; // [0, 1)
  return Math.max(0, Math.round(latencyMs + jitterMs * (2 * u - 1)));
}

// --- answer text, prepared once per length ---------------------------------------------

interface AnswerText {
  /** JSON string literal of the whole answer (with quotes). */
  json: string;
  /** JSON string literal of each streamed piece. */
  pieces: string[];
}

const answers = new Map<number, AnswerText>();

function answerText(n: number): AnswerText {
  let a = answers.get(n);
  if (!a) {
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push((i === 0 ? '' : ' ') + WORDS[i % WORDS.length]);
    a = { json: JSON.stringify(words.join('')), pieces: words.map((w) => JSON.stringify(w)) };
    answers.set(n, a);
  }
  return a;
}

// --- ids and headers ------------------------------------------------------------------

const BOOT = Date.now().toString(36);
let serial = 0;

/** Distinct per answer and cheap: the boot time and a counter, padded to the real ids' lengths. */
function nextSerial(): string {
  serial = (serial + 1) % 0x1_0000_0000;
  return serial.toString(16).padStart(8, '0');
}

const chatId = (s: string) => `chatcmpl-Bz${BOOT}${s}Qx7`;
const requestId = (s: string) => `req_7f3b2c9d${BOOT}${s}e1a4`.padEnd(36, '0');
const cfRay = (s: string) => `9a${s}4b1c3e-SJC`;

function commonHeaders(s: string, processingMs: number, tokens: number): string[] {
  const epoch = Math.floor(Date.now() / 1000);
  return [
    'access-control-expose-headers', 'X-Request-ID',
    'openai-organization', 'user-benchmark0rg4n1z4t10n',
    'openai-processing-ms', String(processingMs),
    'openai-project', 'proj_Bench0Upstream0Project00',
    'openai-version', '2020-10-01',
    'x-envoy-upstream-service-time', String(processingMs + 3),
    'x-ratelimit-limit-requests', '30000',
    'x-ratelimit-limit-tokens', '150000000',
    'x-ratelimit-remaining-requests', '29999',
    'x-ratelimit-remaining-tokens', String(150_000_000 - tokens),
    'x-ratelimit-reset-requests', '2ms',
    'x-ratelimit-reset-tokens', '0s',
    'x-request-id', requestId(s),
    'strict-transport-security', 'max-age=31536000; includeSubDomains; preload',
    'cf-cache-status', 'DYNAMIC',
    'set-cookie', `__cf_bm=Qm9vdC${s}1mYWtlLWNvb2tpZS12YWx1ZS1mb3ItYmVuY2g-${epoch}-1.0.1.1-aGVhZGVyIHNpemUgbWF0Y2hlcyB0aGUgcmVhbCBvbmUgYWJvdXQgZWlnaHR5IGJ5dGVzIGxvbmc; path=/; expires=${new Date((epoch + 1800) * 1000).toUTCString()}; domain=.api.openai.com; HttpOnly; Secure; SameSite=None`,
    'set-cookie', `_cfuvid=Y2ZfdXZpZC${s}1iZW5jaG1hcmstdmFsdWUtZm9yLXRlc3Q-${epoch}000-0.0.1.1-604800000; path=/; domain=.api.openai.com; HttpOnly; Secure; SameSite=None`,
    'x-content-type-options', 'nosniff',
    'server', 'cloudflare',
    'cf-ray', cfRay(s),
    'alt-svc', 'h3=":443"; ma=86400',
  ];
}

// --- bodies -------------------------------------------------------------------------------

interface Shape {
  model: string;
  /** Answer tokens. */
  n: number;
  promptTokens: number;
  /** stop, or length when max_tokens cut the answer short. */
  finish: 'stop' | 'length';
}

function usage(s: Shape) {
  return {
    prompt_tokens: s.promptTokens,
    completion_tokens: s.n,
    total_tokens: s.promptTokens + s.n,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** The non-streaming answer, pretty-printed with two spaces as the real API sends it. */
function completionBody(s: Shape, serialHex: string, created: number): string {
  return `{
  "id": "${chatId(serialHex)}",
  "object": "chat.completion",
  "created": ${created},
  "model": ${JSON.stringify(s.model)},
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": ${answerText(s.n).json},
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "${s.finish}"
    }
  ],
  "usage": ${JSON.stringify(usage(s), null, 2).replace(/\n/g, '\n  ')},
  "service_tier": "default",
  "system_fingerprint": "fp_560af6e559"
}
`;
}

/** Gzip bodies compressed once per shape and second: a ring of distinct ids, rebuilt when the second turns. */
const RING = 16;
const MAX_SHAPES = 256;
const gzipRings = new Map<string, { second: number; bodies: Buffer[]; next: number }>();

function gzippedBody(s: Shape, key: string, created: number): Buffer {
  let ring = gzipRings.get(key);
  if (!ring || ring.second !== created) {
    if (!ring && gzipRings.size >= MAX_SHAPES) return gzipSync(completionBody(s, nextSerial(), created), { level: 6 });
    ring = { second: created, bodies: [], next: 0 };
    gzipRings.set(key, ring);
  }
  if (ring.bodies.length < RING) {
    const b = gzipSync(completionBody(s, nextSerial(), created), { level: 6 });
    ring.bodies.push(b);
    return b;
  }
  const b = ring.bodies[ring.next]!;
  ring.next = (ring.next + 1) % RING;
  return b;
}

function chunkEvent(id: string, created: number, model: string, choice: string, usage: string | null): string {
  return `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model},"service_tier":"default","system_fingerprint":"fp_560af6e559","choices":[${choice}]${usage === null ? '' : `,"usage":${usage}`}}\n\n`;
}

/** Every event of a streamed answer, in order. */
function streamEvents(s: Shape, serialHex: string, created: number, includeUsage: boolean): string[] {
  const id = chatId(serialHex);
  const model = JSON.stringify(s.model);
  const nullUsage = includeUsage ? 'null' : null;
  const text = answerText(s.n);
  const events = [chunkEvent(id, created, model, '{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}', nullUsage)];
  for (const p of text.pieces) events.push(chunkEvent(id, created, model, `{"index":0,"delta":{"content":${p}},"logprobs":null,"finish_reason":null}`, nullUsage));
  events.push(chunkEvent(id, created, model, `{"index":0,"delta":{},"logprobs":null,"finish_reason":"${s.finish}"}`, nullUsage));
  if (includeUsage) events.push(chunkEvent(id, created, model, '', JSON.stringify(usage(s))));
  events.push('data: [DONE]\n\n');
  return events;
}

function errorBody(status: number, message: string, type: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } }, null, 2) + '\n';
}

// --- request reading ----------------------------------------------------------------------

interface ChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  /** Characters of every message's text, for the prompt token estimate. */
  chars: number;
  lastUser: string;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

function readChat(raw: Buffer): ChatRequest | string {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'We could not parse the JSON body of your request.';
  }
  if (!body || typeof body !== 'object') return 'The request body must be a JSON object.';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) return "you must provide a model parameter";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "Missing required parameter: 'messages'.";
  let chars = 0;
  let lastUser = '';
  for (const m of b.messages as Record<string, unknown>[]) {
    const t = textOf(m?.content);
    chars += t.length;
    if (m?.role === 'user') lastUser = t;
  }
  const max = typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : typeof b.max_tokens === 'number' ? b.max_tokens : undefined;
  const so = b.stream_options as { include_usage?: unknown } | undefined;
  return { model: b.model, stream: b.stream === true, includeUsage: so?.include_usage === true, maxTokens: max, chars, lastUser };
}

// --- the server -----------------------------------------------------------------------------

export async function startProviderUpstream(o: ProviderUpstreamOptions = {}): Promise<ProviderUpstream> {
  const latencyMs = o.latencyMs ?? 0;
  const jitterMs = o.jitterMs ?? 0;
  const chunkMs = o.chunkMs ?? 0;
  const tokens = Math.min(MAX_TOKENS_CAP, o.tokens ?? 40);
  const framing = o.framing ?? 'chunked';
  const gzip = o.gzip ?? true;
  const counters: UpstreamCounters = { completions: 0, streams: 0, gzipped: 0, errors: 0, inFlight: 0, maxInFlight: 0, delayMsTotal: 0 };

  const send = (res: http.ServerResponse, status: number, headers: string[], body: string | Buffer) => {
    if (framing === 'length') headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
    else headers.push('transfer-encoding', 'chunked');
    res.writeHead(status, headers);
    res.end(body);
  };

  const fail = (res: http.ServerResponse, status: number, message: string, type: string, code: string | null) => {
    counters.errors++;
    const s = nextSerial();
    send(res, status, [...commonHeaders(s, 1, 0), 'content-type', 'application/json'], errorBody(status, message, type, code));
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, chat: ChatRequest, startedAt: number) => {
    counters.inFlight--;
    if (res.destroyed) return;
    const n = chat.maxTokens !== undefined ? Math.max(0, Math.min(Math.floor(chat.maxTokens), tokens)) : tokens;
    const shape: Shape = { model: chat.model, n, promptTokens: Math.max(1, Math.ceil(chat.chars / 4)) + 7, finish: n < tokens ? 'length' : 'stop' };
    const created = Math.floor(Date.now() / 1000);
    const s = nextSerial();
    const processing = Math.round(performance.now() - startedAt);
    if (!chat.stream) {
      counters.completions++;
      const headers = [...commonHeaders(s, processing, shape.promptTokens + n), 'content-type', 'application/json'];
      const accepts = gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      if (accepts) {
        counters.gzipped++;
        headers.push('content-encoding', 'gzip');
        send(res, 200, headers, gzippedBody(shape, `${shape.model}\0${n}\0${shape.promptTokens}`, created));
      } else {
        send(res, 200, headers, completionBody(shape, s, created));
      }
      return;
    }
    counters.streams++;
    const events = streamEvents(shape, s, created, chat.includeUsage);
    res.writeHead(200, [...commonHeaders(s, processing, shape.promptTokens + n), 'content-type', 'text/event-stream; charset=utf-8']);
    if (chunkMs <= 0) {
      res.end(events.join(''));
      return;
    }
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(events[i++]);
      if (i === events.length) res.end();
      else setTimeout(next, chunkMs);
    };
    next();
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer, startedAt: number) => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === '/v1/chat/completions') {
      const chat = readChat(raw);
      if (typeof chat === 'string') return fail(res, 400, chat, 'invalid_request_error', null);
      const wait = upstreamDelayMs(chat.lastUser, latencyMs, jitterMs);
      counters.delayMsTotal += wait;
      counters.inFlight++;
      if (counters.inFlight > counters.maxInFlight) counters.maxInFlight = counters.inFlight;
      if (wait <= 0) answer(req, res, chat, startedAt);
      else setTimeout(answer, wait, req, res, chat, startedAt);
      return;
    }
    if (req.method === 'GET' && url === '/v1/models') {
      const s = nextSerial();
      const data = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1'].map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' }));
      return send(res, 200, [...commonHeaders(s, 1, 0), 'content-type', 'application/json'], JSON.stringify({ object: 'list', data }, null, 2) + '\n');
    }
    // Out of band, for the benchmark scripts: what the upstream served.
    if (req.method === 'GET' && url === '/bench/counters') {
      const cpu = process.cpuUsage();
      return send(res, 200, ['content-type', 'application/json'], JSON.stringify({ ...counters, cpuMs: (cpu.user + cpu.system) / 1000 }));
    }
    return fail(res, 404, `Invalid URL (${req.method} ${url})`, 'invalid_request_error', null);
  };

  const server = http.createServer((req, res) => {
    const startedAt = performance.now();
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    req.on('data', (c: Buffer) => {
      if (!first) first = c;
      else (more ??= [first]).push(c);
    });
    req.on('end', () => handle(req, res, more ? Buffer.concat(more) : (first ?? Buffer.alloc(0)), startedAt));
    req.on('error', () => {});
    res.on('error', () => {});
  });
  // Providers keep idle connections open for a minute or more; clients decide when to drop them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1', backlog: o.backlog ?? 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    openai: `${url}/v1`,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
