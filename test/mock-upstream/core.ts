// What every provider of the mock shares: the deterministic answer, request reading,
// JSON and streamed responses with faults applied. Each provider's wire format is in its
// own file beside this one.
import type http from 'node:http';
import { encode } from 'gpt-tokenizer';
import type { MockFault, MockProvider, MockSettings, RecordedRequest } from './server.js';

/** A provider's error body for a status, in its real shape. */
export type ErrorBody = (status: number, message: string, retryAfter: string | undefined) => unknown;

/** What a provider module of the mock states. */
export interface MockProviderSpec {
  handle(ctx: Ctx): Promise<void> | void;
  errorBody: ErrorBody;
  /** A chat/messages/generate request (counted by `count`). */
  isCompletion(method: string, route: string): boolean;
  /** Whether a request asks for a streamed answer. */
  isStreaming(route: string, query: URLSearchParams, body: Record<string, unknown>): boolean;
}

const DEFAULT_WORDS = 24;
const FILLER = (
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november ' +
  'oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'
).split(' ');

// ---------------------------------------------------------------------------
// The deterministic answer

export interface Prompt {
  model: string;
  /** Every piece of message text, system included, for the input token count. */
  texts: string[];
  lastUser: string;
  maxTokens: number | undefined;
  stream: boolean;
}

export interface Answer {
  text: string;
  /** Stream pieces, joined they are `text`. */
  pieces: string[];
  inputTokens: number;
  outputTokens: number;
  /** Cut short by the max tokens. */
  truncated: boolean;
}

export function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function answer(provider: MockProvider, prompt: Prompt, settings: MockSettings): Answer {
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
export function textOf(content: unknown): string {
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

export function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** For the chat-message formats (OpenAI, HF, Cohere, Ollama, Anthropic). */
export function promptFromMessages(body: Record<string, unknown>, extraSystem?: unknown): Omit<Prompt, 'maxTokens' | 'stream'> {
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
// Error bodies

export const STATUS_TEXT: Record<number, string> = {
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

/** The credential the client sent, echoed in 401 messages (as some upstreams do) to prove adapters scrub it. */
export function sentKey(headers: http.IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const k = headers['x-api-key'] ?? headers['x-goog-api-key'];
  return typeof k === 'string' ? k : '';
}


/** A bag-of-words hashing embedding: deterministic, and similar texts are similar. */
export function embedding(text: string, dims = 32): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const h = fnv(w);
    v[h % dims]! += h & 0x100 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function modelList(ids: string[]) {
  return { object: 'list', data: ids.map((m) => ({ id: m, object: 'model', created: 1700000000, owned_by: 'mock' })) };
}

/** Streams that end when the body says so (stream: true). */
export const streamsWhenAsked = (_route: string, _query: URLSearchParams, body: Record<string, unknown>) => body.stream === true;

// ---------------------------------------------------------------------------
// The server

export interface Ctx {
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
  /** How this provider words its error bodies. */
  errorBody: ErrorBody;
}

export interface Internal {
  provider: MockProvider | null;
  completion: boolean;
  aborted: boolean;
  /** We destroyed the socket on purpose (dropAfterChunks): not a client abort. */
  dropped: boolean;
  record?: RecordedRequest;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let nextId = 1;
export const id = () => (nextId++).toString(36).padStart(8, '0');

export function live(res: http.ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

export function sendJson(ctx: Ctx, status: number, payload: unknown): void {
  const { res, fault } = ctx;
  if (!live(res)) return;
  const text = JSON.stringify(payload);
  if (ctx.settings.framing === 'chunked') {
    res.writeHead(status, { 'content-type': 'application/json', ...fault?.headers });
    const half = Math.floor(text.length / 2);
    res.write(text.slice(0, half));
    res.end(text.slice(half));
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...fault?.headers,
  });
  res.end(text);
}

export function sendError(ctx: Ctx, status: number, message?: string): void {
  const fault = ctx.fault;
  const base = message ?? STATUS_TEXT[status] ?? `HTTP ${status}`;
  const text = status === 401 ? `${base}: "${sentKey(ctx.headers)}" is not a valid key` : base;
  const body = fault?.body !== undefined ? fault.body : ctx.errorBody(status, text, fault?.headers?.['retry-after']);
  sendJson(ctx, status, body);
}

/** A request the provider's API would refuse; thrown while reading it, answered as a 400. */
export class Invalid extends Error {}

/** Runs a route's handler, answering an Invalid it throws as a 400 in the provider's error format. */
export function refusingInvalid(ctx: Ctx, handle: () => Promise<void> | void): Promise<void> | void {
  try {
    return handle();
  } catch (err) {
    if (err instanceof Invalid) return sendError(ctx, 400, err.message);
    throw err;
  }
}

/** What a mock reads from a conversation to derive its answer. */
export interface Conversation {
  texts: string[];
  lastUser: string;
  images: number;
  /** The tool results of the last turn, when it holds some. */
  results: { name: string; text: string }[];
}

/** The text an answer is derived from: the tool results when the last turn holds some, else the last user text with its image count. */
export function seedText({ results, images, lastUser }: Pick<Conversation, 'results' | 'images' | 'lastUser'>): string {
  if (results.length) return results.map((r) => `${r.name}: ${r.text}`).join('; ');
  return images ? `[${images} image${images > 1 ? 's' : ''}] ${lastUser}` : lastUser;
}

export interface StreamKind {
  contentType: string;
  /** A first event that does not parse, for `malformed`. */
  garbage: string;
}

export const SSE: StreamKind = { contentType: 'text/event-stream', garbage: 'data: {"id": oops this is not json\n\n' };
export const NAMED_SSE = (event: string): StreamKind => ({
  contentType: 'text/event-stream',
  garbage: `event: ${event}\ndata: {not json at all\n\n`,
});
export const GEMINI_SSE: StreamKind = { contentType: 'text/event-stream', garbage: 'data: {not json at all\r\n\r\n' };
export const NDJSON: StreamKind = { contentType: 'application/x-ndjson', garbage: '{not json at all\n' };

/** Writes wire events with the configured spacing, honouring dropAfterChunks, pauseAfterChunks and client aborts. */
export async function sendStream(ctx: Ctx, kind: StreamKind, events: string[]): Promise<void> {
  const { res, fault, settings } = ctx;
  if (!live(res)) return;
  if (settings.framing === 'length' && !fault) {
    const whole = events.join('');
    res.writeHead(200, { 'content-type': kind.contentType, 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(whole) });
    res.end(whole);
    return;
  }
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
  const pause = fault?.pauseAfterChunks;
  if (delay <= 0 && !pause) {
    if (list.length > 0) res.write(list.join(''));
  } else {
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && delay > 0) await sleep(delay);
      if (pause && i === pause.chunks) await pause.until.catch(() => {});
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

export const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
export const named = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

