// The `fetch` every provider SDK is given. Node's global fetch spends about 300 µs of
// CPU per request on the spec machinery (Request/Response objects, web streams,
// transferable signals), more than the rest of the gateway's completion path together.
// This one sends the request with undici's `request` over a keep-alive pool and answers
// with a small Response whose body is read straight from the socket's Node stream; a
// web ReadableStream is made only when an SDK asks for `response.body` (streaming).
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

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length', 'te', 'trailer'];

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

function headerRecord(init: HeadersInit | undefined, body: RequestInit['body']): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : String(value);
  };
  if (init instanceof Headers) init.forEach((value, name) => add(name, value));
  else if (Array.isArray(init)) for (const [name, value] of init) add(name!, value!);
  else if (init) for (const name of Object.keys(init)) add(name, (init as Record<string, string>)[name]!);
  // Framing and connection headers are the HTTP client's to set (fetch ignores them too;
  // undici's request refuses some of them outright).
  for (const name of HOP_BY_HOP) delete out[name];
  // The defaults fetch would add where the caller set none.
  out['accept'] ??= '*/*';
  if (typeof body === 'string') out['content-type'] ??= 'text/plain;charset=UTF-8';
  else if (body instanceof URLSearchParams) out['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  return out;
}

function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

function decoded(body: Readable, encoding: string | null): Readable {
  const codings = (encoding ?? '').toLowerCase().split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity');
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

/** What SDKs read of a Response; the rarer methods go through a real Response over the same bytes. */
class UpstreamResponse {
  readonly type = 'basic';
  readonly redirected = false;
  readonly ok: boolean;
  readonly statusText: string;
  #stream: Readable | null;
  #web: ReadableStream<Uint8Array> | null = null;
  #used = false;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly url: string,
    stream: Readable | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.#stream = stream;
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
    const chunks: Buffer[] = [];
    for await (const chunk of this.#stream) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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

function networkError(err: unknown, signal: AbortSignal | null | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new TypeError('fetch failed', { cause: err });
}

/** A drop-in `fetch` for the provider SDKs (see the top of this file). */
export const upstreamFetch: typeof fetch = async (input, init) => {
  const body = plainBody(init?.body);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
  if (url === null || body === null || init?.redirect === 'manual' || init?.redirect === 'error') return fetch(input, init);
  const signal = init?.signal ?? undefined;
  if (signal?.aborted) throw signal.reason;
  const target = new URL(url);
  const method = (init?.method ?? 'GET').toUpperCase();
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher().request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: method as Dispatcher.HttpMethod,
      headers: headerRecord(init?.headers, init?.body),
      body,
      signal,
    });
  } catch (err) {
    throw networkError(err, signal);
  }
  if (REDIRECT.has(res.statusCode) && res.headers.location) {
    // Rare for an API: let the global fetch follow it, with its rules for method and body.
    res.body.resume();
    return fetch(url, init);
  }
  const headers = responseHeaders(res.headers);
  const empty = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
  if (empty) res.body.resume();
  const stream = empty ? null : decoded(res.body, headers.get('content-encoding'));
  return new UpstreamResponse(res.statusCode, headers, url, stream) as unknown as Response;
};
