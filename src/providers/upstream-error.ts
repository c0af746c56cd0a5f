// Turning whatever an SDK throws into an UpstreamError, the one failure type the
// gateway sees. Each adapter extracts what its SDK knows (status, headers, the
// upstream's message) and hands it here; the rest (aborts, connection failures,
// unparseable bodies, key redaction, message length) is the same everywhere.

import { UpstreamError } from './types.js';

const MAX_MESSAGE = 200;

type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Record<string, string | string[] | undefined>
  | null
  | undefined;

/** What an adapter knows about an HTTP error response from its SDK's error object. */
export interface HttpFailure {
  status: number;
  /** The upstream's own error message, when the SDK exposes it (non-strings are JSON-encoded). */
  message?: unknown;
  headers?: HeaderSource;
  /** Seconds, when the provider reports it in the body rather than a header (Gemini RetryInfo). */
  retryAfter?: number;
}

export interface ErrorContext {
  provider: string;
  /** The caller's signal: an error after it fired is an abort (or timeout), whatever the SDK says. */
  signal?: AbortSignal;
  /** Scrubbed from every message. */
  apiKey?: string;
}

/**
 * Retry-After as seconds: either delta-seconds ("7", "1.5") or an HTTP-date.
 * Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null | undefined }).get(name) ?? undefined;
  }
  const rec = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : rec[key];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After (seconds or date), or OpenAI's retry-after-ms, from response headers. */
export function retryAfterFromHeaders(headers: HeaderSource): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms) / 1000;
  return parseRetryAfter(header(headers, 'retry-after'));
}

/** Short, single-line, key-free text for an error message. */
export function cleanMessage(text: unknown, apiKey?: string): string {
  let s = typeof text === 'string' ? text : text == null ? '' : safeStringify(text);
  if (apiKey && apiKey.length >= 4) s = s.split(apiKey).join('[redacted]');
  s = s.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur != null && typeof cur === 'object'; i++) {
    out.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

function describe(err: unknown): string {
  const parts: string[] = [];
  for (const e of causeChain(err)) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m && !parts.includes(m)) parts.push(m);
  }
  if (parts.length === 0) parts.push(String(err));
  return parts.join(': ');
}

function isMalformed(err: unknown): boolean {
  return causeChain(err).some((e) => {
    if (e instanceof SyntaxError) return true;
    const m = String((e as { message?: unknown }).message ?? '');
    return /JSON|parse|malformed|did not receive done/i.test(m) && !/fetch failed/i.test(m);
  });
}

function isNetwork(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const m = String((e as { message?: unknown }).message ?? '');
    return /fetch failed|terminated|socket|other side closed|connection|network|ECONN|error (fetching|reading)/i.test(m);
  });
}

function isTimeout(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const name = (e as { name?: unknown }).name;
    return name === 'TimeoutError' || /timed? ?out/i.test(String((e as { message?: unknown }).message ?? ''));
  });
}

/** The UpstreamError for an abort of the caller's signal: 'timeout' when it was AbortSignal.timeout(). */
export function abortedError(provider: string, signal?: AbortSignal): UpstreamError {
  const reason = signal?.reason as { name?: unknown } | undefined;
  if (reason && typeof reason === 'object' && reason.name === 'TimeoutError') {
    return new UpstreamError('timeout', `${provider} request timed out`);
  }
  return new UpstreamError('aborted', `${provider} request aborted`);
}

/**
 * Normalise any error thrown while talking to a provider. `http` carries what the
 * adapter extracted from its SDK's HTTP error (null when the error was not an HTTP one).
 */
export function toUpstreamError(ctx: ErrorContext, err: unknown, http?: HttpFailure | null): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const { provider, apiKey } = ctx;
  if (ctx.signal?.aborted) return abortedError(provider, ctx.signal);
  if (http && Number.isFinite(http.status) && http.status > 0) {
    const detail = cleanMessage(http.message, apiKey);
    return new UpstreamError(
      'http',
      `${provider} returned ${http.status}${detail ? `: ${detail}` : ''}`,
      http.status,
      http.retryAfter ?? retryAfterFromHeaders(http.headers),
    );
  }
  const detail = cleanMessage(describe(err), apiKey);
  if (isMalformed(err)) return new UpstreamError('malformed', `${provider} sent a malformed response: ${detail}`);
  if (isNetwork(err)) return new UpstreamError('network', `${provider} connection failed: ${detail}`);
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || isTimeout(err)) return new UpstreamError('timeout', `${provider} request timed out: ${detail}`);
  return new UpstreamError('network', `${provider} request failed: ${detail}`);
}

/** For a 200 response whose body is not what the provider's format promises. */
export function malformed(provider: string, what: string): UpstreamError {
  return new UpstreamError('malformed', `${provider} sent a malformed response: ${what}`);
}
