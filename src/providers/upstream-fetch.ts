// The `fetch` every provider SDK is given. Node's global fetch spends more CPU on the
// spec machinery (Request/Response objects, web streams, transferable signals) than the
// rest of the gateway's completion path (BENCHMARKS.md). This one sends the request with
// undici's `request` over a keep-alive pool and answers with a small Response whose body
// is read straight from the socket's Node stream; a web ReadableStream is made only when
// an SDK asks for `response.body` (streaming).
//
// It behaves as fetch does for what the SDKs send: string and byte bodies, headers in
// any of fetch's forms, abort signals (rejecting with the signal's reason), network
// errors as `TypeError: fetch failed` with the cause, gzip/deflate/br bodies decoded,
// redirects followed. Anything else (a Request object, FormData, Blob or stream bodies)
// goes to the global fetch unchanged.

import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { memoize } from '../memo.js';
import { takeWhole } from '../buffered-body.js';

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length', 'te', 'trailer']);
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type Body = string | Uint8Array | undefined;

let agent: Agent | undefined;

function dispatcher(): Agent {
  // Keep-alive as the global fetch's dispatcher: idle sockets closed after 4 s (or the server's hint).
  agent ??= new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 600_000 });
  return agent;
}

/** Closes the pooled connections (at shutdown); the next request opens a new pool. */
export async function closeUpstreamConnections(): Promise<void> {
  const a = agent;
  agent = undefined;
  await a?.close();
}

/** The request body as a string or bytes, or null when only the global fetch can send it. */
function plainBody(body: RequestInit['body']): Body | null {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return body.toString();
  return null;
}

function headerRecord(init: HeadersInit | undefined, body: RequestInit['body'], omit: ReadonlySet<string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    // Framing and connection headers are the HTTP client's to set (fetch ignores them too;
    // undici's request refuses some of them outright).
    if (HOP_BY_HOP.has(key) || omit?.has(key)) return;
    out[key] = key in out ? `${out[key]}, ${value}` : String(value);
  };
  if (init instanceof Headers) init.forEach((value, name) => add(name, value));
  else if (Array.isArray(init)) for (const [name, value] of init) add(name!, value!);
  else if (init) for (const name of Object.keys(init)) add(name, (init as Record<string, string>)[name]!);
  // The defaults fetch would add where the caller set none.
  out['accept'] ??= '*/*';
  if (typeof body === 'string') out['content-type'] ??= 'text/plain;charset=UTF-8';
  else if (body instanceof URLSearchParams) out['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  return out;
}

/**
 * A response's headers: a real Headers (instanceof, every method) read straight from
 * the names and values undici parsed, without the spec machinery a Headers pays per
 * header (validation on each append, a sorted copy on each iteration), which the SDKs
 * go through several times per response. Nothing is built until it is read: a name is
 * looked up in undici's object as it is, and the sorted pairs an iteration gives are made
 * on the first one. The first change copies them into the Headers proper, which then
 * answers everything.
 */
class ResponseHeaders extends Headers {
  /** undici's headers (lowercase names, a list for a repeated header); null once copied into the Headers proper. */
  #raw: Dispatcher.ResponseData['headers'] | null;
  #pairsMade: [string, string][] | null = null;

  constructor(raw: Dispatcher.ResponseData['headers']) {
    super();
    this.#raw = raw;
  }

  /** The values of a lowercase name, in the order received (undefined when absent). */
  #values(key: string): string | string[] | undefined {
    return Object.hasOwn(this.#raw!, key) ? this.#raw![key] : undefined;
  }

  #copy(): void {
    const raw = this.#raw;
    if (!raw) return;
    this.#raw = null;
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      if (Array.isArray(value)) for (const v of value) super.append(name, v);
      else if (value !== undefined) super.append(name, value);
    }
  }

  /** The lowercase name when the fast path can answer for it; undefined otherwise. */
  #key(name: string): string | undefined {
    if (!this.#raw || !HTTP_TOKEN.test(name)) return undefined; // an invalid name: Headers throws
    return name.toLowerCase();
  }

  override get(name: string): string | null {
    const key = this.#key(name);
    if (key === undefined) return super.get(name);
    const value = this.#values(key);
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  override has(name: string): boolean {
    const key = this.#key(name);
    return key === undefined ? super.has(name) : this.#values(key) !== undefined;
  }

  override getSetCookie(): string[] {
    if (!this.#raw) return super.getSetCookie();
    const value = this.#values('set-cookie');
    return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  }

  override append(name: string, value: string): void {
    this.#copy();
    super.append(name, value);
  }

  override set(name: string, value: string): void {
    this.#copy();
    super.set(name, value);
  }

  override delete(name: string): void {
    this.#copy();
    super.delete(name);
  }

  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    if (!this.#raw) return super.forEach(callback, thisArg);
    for (const [name, value] of this.#pairs()) callback.call(thisArg, value, name, this);
  }

  override entries(): HeadersIterator<[string, string]> {
    return this.#raw ? (this.#pairs()[Symbol.iterator]() as HeadersIterator<[string, string]>) : super.entries();
  }

  override keys(): HeadersIterator<string> {
    return this.#raw ? (this.#pairs().map(([name]) => name)[Symbol.iterator]() as HeadersIterator<string>) : super.keys();
  }

  override values(): HeadersIterator<string> {
    return this.#raw ? (this.#pairs().map(([, value]) => value)[Symbol.iterator]() as HeadersIterator<string>) : super.values();
  }

  override [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  /** What iterating a Headers gives: sorted names, values combined, but one pair per Set-Cookie. */
  #pairs(): [string, string][] {
    // Kept: the OpenAI SDK iterates a response's headers twice (its log line and request id).
    if (this.#pairsMade) return this.#pairsMade;
    const raw = this.#raw!;
    const out: [string, string][] = (this.#pairsMade = []);
    for (const name of Object.keys(raw).sort()) {
      const value = raw[name];
      if (value === undefined) continue;
      if (!Array.isArray(value)) out.push([name, value]);
      else if (name === 'set-cookie') for (const v of value) out.push([name, v]);
      else out.push([name, value.join(', ')]);
    }
    return out;
  }
}

function decoded(body: Readable, encoding: string | null): Readable {
  if (!encoding) return body;
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity');
  let out = body;
  // Content-Encoding lists codings in the order applied: undo them last first.
  for (const coding of codings.reverse()) {
    const decoder =
      coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : null;
    if (!decoder) return out; // unknown coding: hand over the bytes as they came, as fetch does
    const source = out;
    source.on('error', (err) => decoder.destroy(err));
    out = source.pipe(decoder);
  }
  return out;
}

/**
 * A web ReadableStream over a Node stream that reads nothing until it is used. Read
 * through a reader (getReader, tee, pipeTo), it pulls one chunk per read. Iterated with
 * for await, as the OpenAI and Anthropic SDKs read a streamed answer, it hands out the
 * Node stream's own iterator: each chunk then skips the web-stream queue, reader and
 * transferable machinery, about a fifth of the gateway's CPU per streamed chunk.
 * Leaving the loop early destroys the Node stream, which closes the upstream request.
 */
function nodeBacked(node: Readable, onUse: () => void): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  const source = () => (iterator ??= node[Symbol.asyncIterator]());
  const web = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        onUse();
        const { done, value } = await source().next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await source().return?.();
      },
    },
    { highWaterMark: 0 },
  );
  type Iterate = (this: unknown, options?: { preventCancel?: boolean }) => AsyncIterator<Uint8Array>;
  const webIterator = (ReadableStream.prototype as unknown as { [Symbol.asyncIterator]: Iterate })[Symbol.asyncIterator];
  Object.defineProperty(web, Symbol.asyncIterator, {
    value(options?: { preventCancel?: boolean }) {
      if (web.locked || iterator || options?.preventCancel) return webIterator.call(web, options);
      onUse();
      return source();
    },
  });
  return web;
}

/**
 * A stream's bytes. When all `length` bytes are already in its buffer (an answer that came
 * in one packet with its headers, parsed before the caller got the response), they are
 * taken from there; otherwise they are read with events (no async iterator and promise per
 * chunk).
 */
function collect(stream: Readable, length: number): Promise<Buffer> {
  const whole = takeWhole(stream, length);
  if (whole) return Promise.resolve(whole);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    // Destroyed without an error (an abort already handled elsewhere): what a for await would throw.
    const prematureClose = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    const onClose = () => onError(prematureClose());
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    if (stream.readableEnded) return resolve(Buffer.alloc(0));
    if (stream.destroyed) return onError((stream.errored as Error | null) ?? prematureClose());
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

/** What SDKs read of a Response; the rarer methods go through a real Response over the same bytes. */
class UpstreamResponse {
  readonly type = 'basic';
  readonly redirected = false;
  readonly ok: boolean;
  readonly statusText: string;
  #stream: Readable | null;
  /** The body's length in bytes as the stream gives them (NaN when unknown or decoded). */
  #length: number;
  #web: ReadableStream<Uint8Array> | null = null;
  #used = false;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly url: string,
    stream: Readable | null,
    length = NaN,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.#stream = stream;
    this.#length = length;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.#stream) return null;
    this.#web ??= nodeBacked(this.#stream, () => {
      this.#used = true;
    });
    return this.#web;
  }

  get bodyUsed(): boolean {
    return this.#used || Boolean(this.#web?.locked);
  }

  async #bytes(): Promise<Buffer> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (this.#web) return Buffer.from(await new Response(this.#web).arrayBuffer());
    if (!this.#stream) return Buffer.alloc(0);
    return collect(this.#stream, this.#length);
  }

  async text(): Promise<string> {
    return (await this.#bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.#bytes();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.#bytes());
  }

  async blob(): Promise<Blob> {
    return this.#real().blob();
  }

  async formData(): Promise<FormData> {
    return this.#real().formData();
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    const body = this.body;
    if (!body) return this.#make(null);
    const [mine, theirs] = body.tee();
    this.#web = mine;
    return this.#make(theirs);
  }

  #real(): Response {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#make(this.body);
  }

  #make(body: ReadableStream<Uint8Array> | null): Response {
    const res = new Response(body, { status: this.status, statusText: this.statusText, headers: this.headers });
    Object.defineProperty(res, 'url', { value: this.url });
    return res;
  }
}

/** A provider's few URLs, parsed once each (an SDK calls the same endpoints over and over). */
const parsedUrl = memoize((url) => {
  const u = new URL(url);
  return { origin: u.origin, path: u.pathname + u.search };
}, 500);

function networkError(err: unknown, signal: AbortSignal | null | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new TypeError('fetch failed', { cause: err });
}

/** A drop-in `fetch` for the provider SDKs (see the top of this file). */
export const upstreamFetch: typeof fetch = (input, init) => send(input, init, undefined);

/**
 * upstreamFetch that leaves out the request headers named in `omit` (lower case) as it
 * copies them: for headers an SDK adds on every call that the provider does not need,
 * where the SDK's own way to drop them (a null header) costs more than the rest of its
 * header handling.
 */
export function upstreamFetchOmitting(omit: readonly string[]): typeof fetch {
  const names = new Set(omit.map((n) => n.toLowerCase()));
  return (input, init) => send(input, init, names);
}

/** The global fetch, for what only it can send; without the omitted headers too. */
function globalFetch(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, omit: ReadonlySet<string> | undefined): Promise<Response> {
  if (!omit) return fetch(input, init);
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  for (const name of omit) headers.delete(name);
  return fetch(input, { ...init, headers });
}

async function send(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, omit: ReadonlySet<string> | undefined): Promise<Response> {
  const body = plainBody(init?.body);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
  if (url === null || body === null || init?.redirect === 'manual' || init?.redirect === 'error') return globalFetch(input, init, omit);
  const signal = init?.signal ?? undefined;
  if (signal?.aborted) throw signal.reason;
  const target = parsedUrl(url);
  const method = (init?.method ?? 'GET').toUpperCase();
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher().request({
      origin: target.origin,
      path: target.path,
      method: method as Dispatcher.HttpMethod,
      headers: headerRecord(init?.headers, init?.body, omit),
      body,
      signal,
    });
  } catch (err) {
    throw networkError(err, signal);
  }
  if (REDIRECT.has(res.statusCode) && res.headers.location) {
    // Rare for an API: let the global fetch follow it, with its rules for method and body.
    res.body.resume();
    return globalFetch(url, init, omit);
  }
  const headers = new ResponseHeaders(res.headers);
  const empty = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
  if (empty) res.body.resume();
  const stream = empty ? null : decoded(res.body, headers.get('content-encoding'));
  const length = stream === res.body ? Number(headers.get('content-length') ?? NaN) : NaN;
  return new UpstreamResponse(res.statusCode, headers, url, stream, length) as unknown as Response;
}
