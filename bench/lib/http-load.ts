// A lean HTTP/1.1 keep-alive load generator on raw sockets: pre-built request
// bytes, a minimal response parser (content-length and chunked), a closed loop
// per connection. Leaner than any general client, so at the rates measured here
// the load generator is not what saturates.
import net from 'node:net';
import { summarize, type Summary } from './stats.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');

export interface RawResponse {
  status: number;
  body: Buffer;
}

/** Builds the bytes of one request. */
export function buildRequest(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Buffer {
  const u = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`, 'connection: keep-alive'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (payload) {
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) lines.push('content-type: application/json');
    lines.push(`content-length: ${payload.length}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return payload ? Buffer.concat([head, payload]) : head;
}

/**
 * Requests sent in rotation, or made one by one (unique prompts: see UniqueRequests).
 */
export type RequestSource = Buffer[] | (() => Buffer);

export function nextRequest(source: RequestSource, i: number): Buffer {
  return typeof source === 'function' ? source() : source[i % source.length]!;
}

let uniqueSerial = 0;
const RUN_TAG = Math.random().toString(36).slice(2, 8);
const DIGITS = 12;

/**
 * Requests that differ only in a serial number inside the prompt, unique in this process:
 * every one is a cache miss for a gateway that caches answers. `build` makes the request for
 * a prompt; the serial is written into a copy of its bytes, so each request costs one copy.
 */
export class UniqueRequests {
  private readonly template: Buffer;
  private readonly at: number;
  private lastPromptText = '';

  constructor(private readonly build: (prompt: string) => Buffer, private readonly base: string) {
    const marker = `${RUN_TAG}-${'0'.repeat(DIGITS)}`;
    this.template = build(this.prompt('0'.repeat(DIGITS)));
    this.at = this.template.indexOf(marker, 0, 'latin1') + RUN_TAG.length + 1;
    if (this.at <= RUN_TAG.length || this.template.indexOf(marker, this.at, 'latin1') >= 0) {
      throw new Error('UniqueRequests: the prompt must appear once, unescaped, in the request');
    }
  }

  private prompt(digits: string): string {
    return `${this.base} [${RUN_TAG}-${digits}]`;
  }

  /** The next request's bytes. */
  next = (): Buffer => {
    const digits = String(++uniqueSerial).padStart(DIGITS, '0');
    const out = Buffer.allocUnsafe(this.template.length);
    this.template.copy(out);
    out.write(digits, this.at, 'latin1');
    this.lastPromptText = this.prompt(digits);
    return out;
  };

  /** The prompt of the request next() returned last. */
  lastPrompt(): string {
    return this.lastPromptText;
  }
}

type Waiter = (err: Error | null, res?: RawResponse) => void;

/** One keep-alive connection with at most one request in flight. */
export class RawConnection {
  private buf: Buffer | null = null;
  private waiter: Waiter | null = null;
  private headerEnd = -1;
  private status = 0;
  private contentLength = -1;
  private chunked = false;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawConnection(s));
      });
      s.once('error', reject);
    });
  }

  send(request: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      this.waiter = (err, res) => (err ? reject(err) : resolve(res!));
      this.socket.write(request);
    });
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }

  /** Closes with a reset: no TIME_WAIT left behind (thousands of connections per step would exhaust the ports). */
  reset() {
    this.closed = true;
    this.socket.resetAndDestroy();
  }

  private fail(e: Error) {
    this.closed = true;
    const w = this.waiter;
    this.waiter = null;
    w?.(e);
  }

  private parse() {
    const buf = this.buf;
    if (!buf || !this.waiter) return;
    if (this.headerEnd < 0) {
      const i = buf.indexOf(CRLFCRLF);
      if (i < 0) return;
      this.headerEnd = i + 4;
      const head = buf.toString('latin1', 0, i);
      this.status = Number(head.slice(9, 12));
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.contentLength = cl ? Number(cl[1]) : -1;
      this.chunked = this.contentLength < 0 && /\r\ntransfer-encoding:\s*chunked/i.test(head);
      if (this.contentLength < 0 && !this.chunked) this.contentLength = 0;
    }
    let body: Buffer;
    let end: number;
    if (!this.chunked) {
      end = this.headerEnd + this.contentLength;
      if (buf.length < end) return;
      body = buf.subarray(this.headerEnd, end);
    } else {
      const parts: Buffer[] = [];
      let pos = this.headerEnd;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
        if (lineEnd < 0) return;
        const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
        if (size === 0) {
          if (buf.length < lineEnd + 4) return;
          end = lineEnd + 4;
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) return;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        pos = lineEnd + 2 + size + 2;
      }
      body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    }
    this.buf = end < buf.length ? buf.subarray(end) : null;
    this.headerEnd = -1;
    const w = this.waiter;
    this.waiter = null;
    w(null, { status: this.status, body });
  }
}

export interface LoadOptions {
  url: string;
  /** Requests sent in rotation (one connection takes the next one each time), or made per request. */
  requests: RequestSource;
  connections: number;
  durationMs: number;
  /** Load before measuring, not recorded. */
  warmupMs?: number;
  /** A response that counts as an error (default: status >= 400). */
  isError?: (r: RawResponse) => boolean;
  /** Stop after sending this many requests (and waiting for their answers), even before durationMs. */
  maxRequests?: number;
}

export interface LoadResult {
  connections: number;
  durationMs: number;
  completed: number;
  errors: number;
  firstError?: string;
  rps: number;
  latency: Summary;
}

/** Closed loop: each connection sends its next request as soon as the previous answer is in. */
export async function closedLoop(o: LoadOptions): Promise<LoadResult> {
  const u = new URL(o.url);
  const port = Number(u.port);
  const isError = o.isError ?? ((r) => r.status >= 400);
  const conns = await Promise.all(Array.from({ length: o.connections }, () => RawConnection.connect(port, u.hostname)));
  const latencies: number[] = [];
  let errors = 0;
  let completed = 0;
  let firstError: string | undefined;
  let next = 0;
  const maxRequests = o.maxRequests ?? Infinity;
  const warmEnd = performance.now() + (o.warmupMs ?? 0);
  const end = warmEnd + o.durationMs;

  const loop = async (i: number) => {
    let conn = conns[i]!;
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end || next >= maxRequests) return;
      const req = nextRequest(o.requests, next++);
      try {
        const r = await conn.send(req);
        const t1 = performance.now();
        if (isError(r)) {
          if (t0 >= warmEnd) errors++;
          firstError ??= `HTTP ${r.status}: ${r.body.toString('utf8', 0, Math.min(300, r.body.length))}`;
        } else if (t0 >= warmEnd && t1 <= end) {
          latencies.push(t1 - t0);
          completed++;
        }
      } catch (e) {
        if (t0 >= warmEnd) errors++;
        firstError ??= (e as Error).message;
        conn.close();
        try {
          conn = conns[i] = await RawConnection.connect(port, u.hostname);
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  };
  await Promise.all(conns.map((_, i) => loop(i)));
  for (const c of conns) c.close();
  return {
    connections: o.connections,
    durationMs: o.durationMs,
    completed,
    errors,
    firstError,
    rps: completed / (o.durationMs / 1000),
    latency: summarize(latencies),
  };
}

/** Sends one request on a fresh connection and returns the parsed JSON body (throws on >= 400). */
export async function requestOnce(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const u = new URL(url);
  const c = await RawConnection.connect(Number(u.port), u.hostname);
  try {
    const r = await c.send(buildRequest(method, url, headers, body));
    const text = r.body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text };
  } finally {
    c.close();
  }
}
