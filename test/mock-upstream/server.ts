// A wire-level mock of the six upstream APIs on one plain node:http server: each
// provider under its own URL prefix, speaking its real JSON / SSE / NDJSON format,
// so the adapters are exercised through their real SDKs. Deterministic answers,
// injectable faults, request recording. Also run standalone for benchmarks
// (test/mock-upstream/main.ts), so the hot path stays lean.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'gpt-tokenizer';

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
}

/** Persistent settings, applied to every request until reset(). */
export interface MockSettings {
  /** Delay before each response. */
  latencyMs?: number;
  /** Delay between streamed events. */
  chunkDelayMs?: number;
  /** Answer length in filler words (default 24), also capped by the request's max tokens. */
  chunks?: number;
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

const DEFAULT_WORDS = 24;
const FILLER = (
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november ' +
  'oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'
).split(' ');

// ---------------------------------------------------------------------------
// The deterministic answer

interface Prompt {
  model: string;
  /** Every piece of message text, system included, for the input token count. */
  texts: string[];
  lastUser: string;
  maxTokens: number | undefined;
  stream: boolean;
}

interface Answer {
  text: string;
  /** Stream pieces, joined they are `text`. */
  pieces: string[];
  inputTokens: number;
  outputTokens: number;
  /** Cut short by the max tokens. */
  truncated: boolean;
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function answer(provider: MockProvider, prompt: Prompt, settings: MockSettings): Answer {
  const limit = Math.max(0, settings.chunks ?? DEFAULT_WORDS);
  const max = prompt.maxTokens !== undefined && prompt.maxTokens >= 0 ? Math.floor(prompt.maxTokens) : undefined;
  const n = max !== undefined ? Math.min(max, limit) : limit;
  const quoted = Array.from(prompt.lastUser).slice(0, 40).join('');
  const start = fnv(prompt.lastUser) % FILLER.length;
  const pieces = [`Mock ${provider} answer to "${quoted}": `];
  for (let i = 0; i < n; i++) pieces.push((i === 0 ? '' : ' ') + FILLER[(start + i) % FILLER.length]);
  return {
    text: pieces.join(''),
    pieces,
    inputTokens: prompt.texts.length === 0 ? 0 : encode(prompt.texts.join('\n')).length,
    outputTokens: n,
    truncated: max !== undefined && max < limit,
  };
}

/** Text of a message content in any of the shapes the providers use (string, parts, blocks). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(textOf).join('');
  if (content && typeof content === 'object') {
    const c = content as { text?: unknown; parts?: unknown; content?: unknown };
    if (typeof c.text === 'string') return c.text;
    if (c.parts !== undefined) return textOf(c.parts);
    if (c.content !== undefined) return textOf(c.content);
  }
  return '';
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** For the chat-message formats (OpenAI, HF, Cohere, Ollama, Anthropic). */
function promptFromMessages(body: Record<string, unknown>, extraSystem?: unknown): Omit<Prompt, 'maxTokens' | 'stream'> {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const texts: string[] = [];
  if (extraSystem !== undefined) texts.push(textOf(extraSystem));
  let lastUser = '';
  for (const m of messages) {
    const msg = obj(m);
    const text = textOf(msg.content);
    texts.push(text);
    if (msg.role === 'user') lastUser = text;
  }
  return { model: typeof body.model === 'string' ? body.model : 'unknown', texts, lastUser };
}

// ---------------------------------------------------------------------------
// Error bodies, in each provider's real shape

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Invalid API key',
  403: 'Permission denied',
  404: 'Not found',
  408: 'Request timeout',
  413: 'Request too large',
  422: 'Unprocessable entity',
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
  529: 'Overloaded',
};

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const ANTHROPIC_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const OPENAI_TYPE: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', null],
};

/** The credential the client sent, echoed in 401 messages (as some upstreams do) to prove adapters scrub it. */
function sentKey(headers: http.IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const k = headers['x-api-key'] ?? headers['x-goog-api-key'];
  return typeof k === 'string' ? k : '';
}

function errorBody(
  provider: MockProvider,
  status: number,
  message: string,
  retryAfter: string | undefined,
): unknown {
  switch (provider) {
    case 'openai': {
      const [type, code] = OPENAI_TYPE[status] ?? ['server_error', null];
      return { error: { message, type, param: null, code } };
    }
    case 'anthropic':
      return { type: 'error', error: { type: ANTHROPIC_TYPE[status] ?? 'api_error', message } };
    case 'gemini': {
      const details: unknown[] = [];
      if (status === 429 && retryAfter && /^\d+(\.\d+)?$/.test(retryAfter)) {
        details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` });
      }
      return {
        error: { code: status, message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN', ...(details.length ? { details } : {}) },
      };
    }
    case 'cohere':
      return { id: 'mock-error', message };
    case 'huggingface':
      return { error: message, error_type: status === 429 ? 'overloaded' : status === 401 ? 'unauthorized' : 'generation' };
    case 'ollama':
      return { error: message };
  }
}

// ---------------------------------------------------------------------------
// The server

interface Ctx {
  provider: MockProvider;
  method: string;
  /** Path after the provider prefix, without query. */
  route: string;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
  res: http.ServerResponse;
  fault: MockFault | undefined;
  rec: Internal;
  settings: MockSettings;
}

interface Internal {
  provider: MockProvider | null;
  completion: boolean;
  aborted: boolean;
  /** We destroyed the socket on purpose (dropAfterChunks): not a client abort. */
  dropped: boolean;
  record?: RecordedRequest;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let nextId = 1;
const id = () => (nextId++).toString(36).padStart(8, '0');

function isProvider(s: string): s is MockProvider {
  return (MOCK_PROVIDERS as readonly string[]).includes(s);
}

function live(res: http.ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

function sendJson(ctx: Ctx, status: number, payload: unknown): void {
  const { res, fault } = ctx;
  if (!live(res)) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...fault?.headers,
  });
  res.end(text);
}

function sendError(ctx: Ctx, status: number, message?: string): void {
  const fault = ctx.fault;
  const base = message ?? STATUS_TEXT[status] ?? `HTTP ${status}`;
  const text = status === 401 ? `${base}: "${sentKey(ctx.headers)}" is not a valid key` : base;
  const body = fault?.body !== undefined ? fault.body : errorBody(ctx.provider, status, text, fault?.headers?.['retry-after']);
  sendJson(ctx, status, body);
}

interface StreamKind {
  contentType: string;
  /** A first event that does not parse, for `malformed`. */
  garbage: string;
}

const SSE: StreamKind = { contentType: 'text/event-stream', garbage: 'data: {"id": oops this is not json\n\n' };
const NAMED_SSE = (event: string): StreamKind => ({
  contentType: 'text/event-stream',
  garbage: `event: ${event}\ndata: {not json at all\n\n`,
});
const GEMINI_SSE: StreamKind = { contentType: 'text/event-stream', garbage: 'data: {not json at all\r\n\r\n' };
const NDJSON: StreamKind = { contentType: 'application/x-ndjson', garbage: '{not json at all\n' };

/** Writes wire events with the configured spacing, honouring dropAfterChunks and client aborts. */
async function sendStream(ctx: Ctx, kind: StreamKind, events: string[]): Promise<void> {
  const { res, fault, settings } = ctx;
  if (!live(res)) return;
  res.writeHead(200, {
    'content-type': kind.contentType,
    'cache-control': 'no-cache',
    ...fault?.headers,
  });
  if (fault?.malformed) {
    res.end(kind.garbage);
    return;
  }
  const drop = fault?.dropAfterChunks;
  const list = drop !== undefined ? events.slice(0, Math.max(0, drop)) : events;
  const delay = settings.chunkDelayMs ?? 0;
  if (delay <= 0) {
    if (list.length > 0) res.write(list.join(''));
  } else {
    for (let i = 0; i < list.length; i++) {
      if (i > 0) await sleep(delay);
      if (!live(res)) return;
      res.write(list[i]);
    }
  }
  if (drop !== undefined) {
    // Let what was written reach the client, then cut the connection without ending the body.
    ctx.rec.dropped = true;
    res.write('', () => res.socket?.destroy());
    return;
  }
  if (live(res)) res.end();
}

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const named = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

// --- OpenAI (and Hugging Face, which speaks the same chat API) ---

function openaiChat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  const prompt: Prompt = {
    ...promptFromMessages(body),
    maxTokens: num(body.max_tokens) ?? num(body.max_completion_tokens),
    stream: body.stream === true,
  };
  const a = answer(ctx.provider, prompt, ctx.settings);
  const finish = a.truncated ? 'length' : 'stop';
  const created = Math.floor(Date.now() / 1000);
  const cid = `chatcmpl-mock${id()}`;
  const usage = { prompt_tokens: a.inputTokens, completion_tokens: a.outputTokens, total_tokens: a.inputTokens + a.outputTokens };
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: cid,
      object: 'chat.completion',
      created,
      model: prompt.model,
      system_fingerprint: null,
      choices: [
        { index: 0, message: { role: 'assistant', content: a.text, refusal: null }, logprobs: null, finish_reason: finish },
      ],
      usage,
    });
  }
  const includeUsage = obj(body.stream_options).include_usage === true;
  const chunk = (delta: unknown, finishReason: string | null) => ({
    id: cid,
    object: 'chat.completion.chunk',
    created,
    model: prompt.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events = [sse(chunk({ role: 'assistant', content: '', refusal: null }, null))];
  for (const piece of a.pieces) events.push(sse(chunk({ content: piece }, null)));
  events.push(sse(chunk({}, finish)));
  if (includeUsage) {
    events.push(sse({ id: cid, object: 'chat.completion.chunk', created, model: prompt.model, system_fingerprint: null, choices: [], usage }));
  }
  events.push('data: [DONE]\n\n');
  return sendStream(ctx, SSE, events);
}

function modelList(ids: string[]) {
  return { object: 'list', data: ids.map((m) => ({ id: m, object: 'model', created: 1700000000, owned_by: 'mock' })) };
}

/** A bag-of-words hashing embedding: deterministic, and similar texts are similar. */
function embedding(text: string, dims = 32): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const h = fnv(w);
    v[h % dims]! += h & 0x100 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

function openai(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'POST' && ctx.route === '/v1/chat/completions') return openaiChat(ctx, body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') return sendJson(ctx, 200, modelList(['gpt-4', 'gpt-4o', 'gpt-4o-mini']));
  if (ctx.method === 'POST' && ctx.route === '/v1/embeddings') {
    const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const base64 = body.encoding_format === 'base64';
    return sendJson(ctx, 200, {
      object: 'list',
      data: input.map((t, index) => {
        const vec = embedding(t);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec,
        };
      }),
      model: typeof body.model === 'string' ? body.model : 'text-embedding-3-small',
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    });
  }
  return sendError(ctx, 404, `Unknown path ${ctx.route}`);
}

function huggingface(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'POST' && ctx.route === '/v1/chat/completions') return openaiChat(ctx, body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    return sendJson(ctx, 200, modelList(['meta-llama/Llama-2-7b-chat-hf', 'mistralai/Mistral-7B-Instruct-v0.2']));
  }
  return sendError(ctx, 404, `Unknown path ${ctx.route}`);
}

// --- Anthropic ---

function anthropic(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    const ids = ['claude-3-5-sonnet-20241022', 'claude-3-opus-20240229', 'claude-3-haiku-20240307'];
    return sendJson(ctx, 200, {
      data: ids.map((m) => ({ type: 'model', id: m, display_name: m, created_at: '2024-10-22T00:00:00Z' })),
      has_more: false,
      first_id: ids[0],
      last_id: ids[ids.length - 1],
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/v1/messages')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);
  if (num(body.max_tokens) === undefined) return sendError(ctx, 400, 'max_tokens: Field required');

  const prompt: Prompt = { ...promptFromMessages(body, body.system), maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('anthropic', prompt, ctx.settings);
  const stop = a.truncated ? 'max_tokens' : 'end_turn';
  const mid = `msg_mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: mid,
      type: 'message',
      role: 'assistant',
      model: prompt.model,
      content: [{ type: 'text', text: a.text }],
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: a.inputTokens, output_tokens: a.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  }
  const events = [
    named('message_start', {
      type: 'message_start',
      message: {
        id: mid,
        type: 'message',
        role: 'assistant',
        model: prompt.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: a.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
    named('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    named('ping', { type: 'ping' }),
  ];
  for (const piece of a.pieces) {
    events.push(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  events.push(
    named('content_block_stop', { type: 'content_block_stop', index: 0 }),
    named('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: a.outputTokens } }),
    named('message_stop', { type: 'message_stop' }),
  );
  return sendStream(ctx, NAMED_SSE('message_start'), events);
}

// --- Gemini ---

const GEMINI_ROUTE = /^\/(v1beta|v1)\/models\/([^:]+):([A-Za-z]+)$/;

function gemini(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && /^\/(v1beta|v1)\/models$/.test(ctx.route)) {
    const ids = ['gemini-2.0-flash', 'gemini-1.5-pro', 'text-embedding-004'];
    return sendJson(ctx, 200, {
      models: ids.map((m) => ({
        name: `models/${m}`,
        version: '001',
        displayName: m,
        inputTokenLimit: 1048576,
        outputTokenLimit: 8192,
        supportedGenerationMethods: m.startsWith('text-') ? ['embedContent'] : ['generateContent', 'countTokens'],
      })),
    });
  }
  const m = GEMINI_ROUTE.exec(ctx.route);
  if (!m || ctx.method !== 'POST') return sendError(ctx, 404, `Unknown path ${ctx.route}`);
  const model = decodeURIComponent(m[2]!);
  const action = m[3]!;

  if (action === 'embedContent') {
    return sendJson(ctx, 200, { embedding: { values: embedding(textOf(body.content)) } });
  }
  if (action === 'batchEmbedContents') {
    const requests = Array.isArray(body.requests) ? body.requests : [];
    return sendJson(ctx, 200, { embeddings: requests.map((r) => ({ values: embedding(textOf(obj(r).content)) })) });
  }
  if (action !== 'generateContent' && action !== 'streamGenerateContent') {
    return sendError(ctx, 404, `Unknown action ${action}`);
  }

  const contents = Array.isArray(body.contents) ? body.contents : [];
  const texts: string[] = [];
  if (body.systemInstruction !== undefined) texts.push(textOf(body.systemInstruction));
  let lastUser = '';
  for (const c of contents) {
    const content = obj(c);
    const text = textOf(content.parts);
    texts.push(text);
    if (content.role === undefined || content.role === 'user') lastUser = text;
  }
  const prompt: Prompt = {
    model,
    texts,
    lastUser,
    maxTokens: num(obj(body.generationConfig).maxOutputTokens),
    stream: action === 'streamGenerateContent',
  };
  const a = answer('gemini', prompt, ctx.settings);
  const finish = a.truncated ? 'MAX_TOKENS' : 'STOP';
  const usage = { promptTokenCount: a.inputTokens, candidatesTokenCount: a.outputTokens, totalTokenCount: a.inputTokens + a.outputTokens };
  const rid = `mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      candidates: [{ content: { parts: [{ text: a.text }], role: 'model' }, finishReason: finish, index: 0 }],
      usageMetadata: usage,
      modelVersion: model,
      responseId: rid,
    });
  }
  const events = a.pieces.map((piece, i) => {
    const last = i === a.pieces.length - 1;
    const chunk = {
      candidates: [
        { content: { parts: [{ text: piece }], role: 'model' }, index: 0, ...(last ? { finishReason: finish } : {}) },
      ],
      ...(last ? { usageMetadata: usage } : {}),
      modelVersion: model,
      responseId: rid,
    };
    return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
  });
  return sendStream(ctx, GEMINI_SSE, events);
}

// --- Cohere ---

function cohere(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    return sendJson(ctx, 200, {
      models: ['command', 'command-r', 'command-r-plus'].map((name) => ({
        name,
        endpoints: ['generate', 'chat', 'summarize'],
        finetuned: false,
        context_length: 128000,
        features: ['tools'],
      })),
    });
  }
  if (ctx.method === 'POST' && ctx.route === '/v2/embed') {
    const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
    return sendJson(ctx, 200, {
      id: `mock${id()}`,
      embeddings: { float: texts.map((t) => embedding(t)) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length } },
      response_type: 'embeddings_by_type',
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/v2/chat')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);

  const prompt: Prompt = { ...promptFromMessages(body), maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('cohere', prompt, ctx.settings);
  const finish = a.truncated ? 'MAX_TOKENS' : 'COMPLETE';
  const usage = {
    billed_units: { input_tokens: a.inputTokens, output_tokens: a.outputTokens },
    tokens: { input_tokens: a.inputTokens, output_tokens: a.outputTokens },
  };
  const cid = `mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: cid,
      finish_reason: finish,
      message: { role: 'assistant', content: [{ type: 'text', text: a.text }] },
      usage,
    });
  }
  const events = [
    named('message-start', {
      id: cid,
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
    named('content-start', { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
  ];
  for (const piece of a.pieces) {
    events.push(named('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } }));
  }
  events.push(
    named('content-end', { type: 'content-end', index: 0 }),
    named('message-end', { type: 'message-end', delta: { finish_reason: finish, usage } }),
  );
  return sendStream(ctx, NAMED_SSE('message-start'), events);
}

// --- Ollama ---

function ollama(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/api/version') return sendJson(ctx, 200, { version: '0.6.4' });
  if (ctx.method === 'GET' && ctx.route === '/api/tags') {
    return sendJson(ctx, 200, {
      models: ['llama2:latest', 'mistral:latest'].map((name) => ({
        name,
        model: name,
        modified_at: '2024-01-01T00:00:00Z',
        size: 3826793677,
        digest: fnv(name).toString(16),
        details: { format: 'gguf', family: 'llama', parameter_size: '7B', quantization_level: 'Q4_0' },
      })),
    });
  }
  if (ctx.method === 'POST' && ctx.route === '/api/embed') {
    const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    return sendJson(ctx, 200, {
      model: typeof body.model === 'string' ? body.model : 'nomic-embed-text',
      embeddings: input.map((t) => embedding(t)),
      total_duration: 1000,
      load_duration: 100,
      prompt_eval_count: input.length,
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/api/chat')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);

  const prompt: Prompt = {
    ...promptFromMessages(body),
    maxTokens: num(obj(body.options).num_predict),
    stream: body.stream !== false, // Ollama streams unless told not to
  };
  const a = answer('ollama', prompt, ctx.settings);
  const createdAt = new Date().toISOString();
  const final = {
    model: prompt.model,
    created_at: createdAt,
    message: { role: 'assistant', content: prompt.stream ? '' : a.text },
    done_reason: a.truncated ? 'length' : 'stop',
    done: true,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: a.inputTokens,
    prompt_eval_duration: 200_000,
    eval_count: a.outputTokens,
    eval_duration: 700_000,
  };
  if (!prompt.stream) return sendJson(ctx, 200, final);
  const events = a.pieces.map(
    (piece) =>
      `${JSON.stringify({ model: prompt.model, created_at: createdAt, message: { role: 'assistant', content: piece }, done: false })}\n`,
  );
  events.push(`${JSON.stringify(final)}\n`);
  return sendStream(ctx, NDJSON, events);
}

const HANDLERS: Record<MockProvider, (ctx: Ctx) => Promise<void> | void> = {
  openai,
  anthropic,
  gemini,
  cohere,
  huggingface,
  ollama,
};

function isCompletion(provider: MockProvider, method: string, route: string): boolean {
  if (method !== 'POST') return false;
  switch (provider) {
    case 'openai':
    case 'huggingface':
      return route === '/v1/chat/completions';
    case 'anthropic':
      return route === '/v1/messages';
    case 'gemini':
      return /:(generateContent|streamGenerateContent)$/.test(route);
    case 'cohere':
      return route === '/v2/chat';
    case 'ollama':
      return route === '/api/chat' || route === '/api/generate';
  }
}

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

    const completion = provider !== null && isCompletion(provider, method, route);
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
    const ctx: Ctx = { provider, method, route, query, body, headers: req.headers, res, fault, rec, settings };

    const wait = (settings.latencyMs ?? 0) + (fault?.delayMs ?? 0);
    if (wait > 0) await sleep(wait);
    if (fault?.hold) await fault.hold.catch(() => {});
    if (!live(res)) return;

    if (fault?.status !== undefined) return sendError(ctx, fault.status);
    if (fault?.dropAfterChunks !== undefined && !isStreaming(provider, route, query, body)) {
      rec.dropped = true;
      res.socket?.destroy();
      return;
    }
    if (fault?.malformed && !isStreaming(provider, route, query, body)) {
      res.writeHead(200, { 'content-type': 'application/json', ...fault.headers });
      res.end(MALFORMED_JSON);
      return;
    }
    if (fault?.body !== undefined) return sendJson(ctx, 200, fault.body);
    if (method === 'POST' && body !== undefined && typeof body !== 'object') {
      return sendError(ctx, 400, 'Request body is not valid JSON');
    }
    await HANDLERS[provider](ctx);
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

function isStreaming(provider: MockProvider, route: string, query: URLSearchParams, body: unknown): boolean {
  const b = obj(body);
  switch (provider) {
    case 'gemini':
      return route.endsWith(':streamGenerateContent') || query.get('alt') === 'sse';
    case 'ollama':
      return route === '/api/chat' ? b.stream !== false : b.stream === true;
    default:
      return b.stream === true;
  }
}
