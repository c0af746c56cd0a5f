// A wire-level mock of the six upstream APIs on one plain node:http server: each
// provider under its own URL prefix, speaking its real JSON / SSE / NDJSON format,
// so the adapters are exercised through their real SDKs. Deterministic answers,
// injectable faults, request recording. Also run standalone for benchmarks
// (test/mock-upstream/main.ts), so the hot path stays lean.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { live, obj, sendError, sendJson, sleep, type Ctx, type Internal, type MockProviderSpec } from './core.js';
import { anthropicSpec } from './anthropic.js';
import { cohereSpec } from './cohere.js';
import { geminiSpec } from './gemini.js';
import { huggingfaceSpec } from './huggingface.js';
import { ollamaSpec } from './ollama.js';
import { openaiSpec } from './openai.js';

export const MOCK_PROVIDERS = ['openai', 'anthropic', 'gemini', 'cohere', 'huggingface', 'ollama'] as const;
export type MockProvider = (typeof MOCK_PROVIDERS)[number];

/** Consumed by the next request to that provider. */
export interface MockFault {
  /** Answer with this HTTP status and the provider's error body (or `body`). */
  status?: number;
  /** Replaces the error body (with `status`) or the whole JSON response (without). */
  body?: unknown;
  /** Added to the response, e.g. { 'retry-after': '7' }. */
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer only once this settles (a test acts while the request is in flight, then releases it). */
  hold?: Promise<unknown>;
  /** Answer 200 with a body that is not valid JSON (or a stream whose first event is garbage). */
  malformed?: boolean;
  /** Send this many wire events (SSE events / NDJSON lines) and destroy the socket; non-streaming: destroy at once. */
  dropAfterChunks?: number;
  /** Streaming: send this many wire events, then the rest only once `until` settles (a test acts mid-stream). */
  pauseAfterChunks?: { chunks: number; until: Promise<unknown> };
}

/** Persistent settings, applied to every request until reset(). */
export interface MockSettings {
  /** Delay before each response. */
  latencyMs?: number;
  /** Delay between streamed events. */
  chunkDelayMs?: number;
  /** Answer length in filler words (default 24), also capped by the request's max tokens. */
  chunks?: number;
  /** Prompt tokens reported as read from the provider's cache (Gemini cachedContentTokenCount, Cohere cached_tokens, OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  cachedTokens?: number;
  /** Prompt tokens reported as written to the provider's cache (Anthropic cache_creation_input_tokens). */
  cacheWriteTokens?: number;
  /** Thinking tokens reported (Gemini thoughtsTokenCount; Cohere and Ollama count them in the output, when thinking is asked for). */
  reasoningTokens?: number;
  /** Tool calls in an answer that calls tools (default 1), through the offered tools in turn. */
  toolCalls?: number;
  /**
   * How bodies are framed: by default JSON with Content-Length and streams chunked;
   * 'chunked' sends JSON chunked too (in two writes), 'length' sends a whole stream at
   * once with Content-Length. Clients must read both.
   */
  framing?: 'chunked' | 'length';
}

export interface RecordedRequest {
  provider: MockProvider | null;
  method: string;
  /** Path and query as received, e.g. /openai/v1/chat/completions. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON (undefined when empty). */
  body: unknown;
  at: number;
  /** A chat/messages/generate/stream request. */
  completion: boolean;
  /** The client went away before the response finished. */
  aborted: boolean;
}

export interface MockUpstream {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** What each adapter's base URL setting should be. */
  readonly baseUrls: Record<MockProvider, string>;
  readonly requests: RecordedRequest[];
  enqueue(provider: MockProvider, fault: MockFault): void;
  configure(settings: MockSettings): void;
  /** Completion-like requests received (all providers when omitted). */
  count(provider?: MockProvider): number;
  /** Requests whose client went away before the response finished. */
  aborted(provider?: MockProvider): number;
  /** Clears fault queues, settings, records and counters. */
  reset(): void;
  close(): Promise<void>;
}

export interface MockUpstreamOptions {
  port?: number;
  host?: string;
  /** Keep `requests` (default true). Counters work either way; benchmarks turn this off. */
  record?: boolean;
}

function isProvider(s: string): s is MockProvider {
  return (MOCK_PROVIDERS as readonly string[]).includes(s);
}

const SPECS: Record<MockProvider, MockProviderSpec> = {
  openai: openaiSpec,
  anthropic: anthropicSpec,
  gemini: geminiSpec,
  cohere: cohereSpec,
  huggingface: huggingfaceSpec,
  ollama: ollamaSpec,
};

/** The garbage a `malformed` fault sends in place of a JSON body. */
const MALFORMED_JSON = '{"id": "mock-malformed", "choices": [{"message": {"content": "trunc';

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const host = options.host ?? '127.0.0.1';
  const record = options.record ?? true;
  const requests: RecordedRequest[] = [];
  const queues = new Map<MockProvider, MockFault[]>();
  let settings: MockSettings = {};
  const completions = new Map<MockProvider, number>();
  const abortCounts = new Map<MockProvider, number>();
  let generation = 0; // reset() bumps it so that late 'close' events of old requests are not counted

  const bump = (map: Map<MockProvider, number>, p: MockProvider) => map.set(p, (map.get(p) ?? 0) + 1);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: Buffer): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    const slash = pathname.indexOf('/', 1);
    const prefix = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
    const route = slash === -1 ? '/' : pathname.slice(slash);
    const method = req.method ?? 'GET';
    const provider = isProvider(prefix) ? prefix : null;

    let body: unknown;
    if (rawBody.length > 0) {
      const text = rawBody.toString('utf8');
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }

    const completion = provider !== null && SPECS[provider].isCompletion(method, route);
    const rec: Internal = { provider, completion, aborted: false, dropped: false };
    if (record) {
      rec.record = { provider, method, path: rawUrl, headers: req.headers, body, at: Date.now(), completion, aborted: false };
      requests.push(rec.record);
    }
    const gen = generation;
    res.on('close', () => {
      if (res.writableFinished || rec.dropped || gen !== generation) return;
      rec.aborted = true;
      if (rec.record) rec.record.aborted = true;
      if (provider) bump(abortCounts, provider);
    });

    if (!provider) {
      const text = JSON.stringify({ error: { message: `Unknown path ${pathname}`, type: 'not_found' } });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (completion) bump(completions, provider);

    const fault = queues.get(provider)?.shift();
    const spec = SPECS[provider];
    const ctx: Ctx = { provider, method, route, query, body, headers: req.headers, res, fault, rec, settings, errorBody: spec.errorBody };

    const wait = (settings.latencyMs ?? 0) + (fault?.delayMs ?? 0);
    if (wait > 0) await sleep(wait);
    if (fault?.hold) await fault.hold.catch(() => {});
    if (!live(res)) return;

    if (fault?.status !== undefined) return sendError(ctx, fault.status);
    if (fault?.dropAfterChunks !== undefined && !SPECS[provider].isStreaming(route, query, obj(body))) {
      rec.dropped = true;
      res.socket?.destroy();
      return;
    }
    if (fault?.malformed && !SPECS[provider].isStreaming(route, query, obj(body))) {
      res.writeHead(200, { 'content-type': 'application/json', ...fault.headers });
      res.end(MALFORMED_JSON);
      return;
    }
    if (fault?.body !== undefined) return sendJson(ctx, 200, fault.body);
    if (method === 'POST' && body !== undefined && typeof body !== 'object') {
      return sendError(ctx, 400, 'Request body is not valid JSON');
    }
    await spec.handle(ctx);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).catch((err: unknown) => {
        if (!live(res)) return;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const text = JSON.stringify({ error: { message: `mock upstream failure: ${String(err)}`, type: 'server_error' } });
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(text);
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const sum = (map: Map<MockProvider, number>, p?: MockProvider) =>
    p ? (map.get(p) ?? 0) : [...map.values()].reduce((a, b) => a + b, 0);

  return {
    url,
    port,
    baseUrls: {
      openai: `${url}/openai/v1`,
      anthropic: `${url}/anthropic`,
      gemini: `${url}/gemini`,
      cohere: `${url}/cohere`,
      huggingface: `${url}/huggingface`,
      ollama: `${url}/ollama`,
    },
    requests,
    enqueue(provider, fault) {
      const q = queues.get(provider);
      if (q) q.push(fault);
      else queues.set(provider, [fault]);
    },
    configure(next) {
      settings = { ...settings, ...next };
    },
    count: (provider) => sum(completions, provider),
    aborted: (provider) => sum(abortCounts, provider),
    reset() {
      queues.clear();
      settings = {};
      requests.length = 0;
      completions.clear();
      abortCounts.clear();
      generation++;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

