// One error type for the whole gateway: a stable code, an HTTP status and a
// message safe to show to the caller. Anything else that escapes is masked.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_ERROR'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'QUERY_TOO_LARGE'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX'
  | 'TOO_MANY_OPERATIONS'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'TOKEN_LIMITED'
  | 'CONCURRENCY_LIMITED'
  | 'BUDGET_EXCEEDED'
  | 'MODEL_NOT_ALLOWED'
  | 'PRICE_UNKNOWN'
  | 'KEY_EXPIRED'
  | 'UNKNOWN_PROVIDER'
  | 'MODEL_NOT_FOUND'
  | 'PROVIDER_UNCONFIGURED'
  | 'PROVIDER_AUTH_FAILED'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_BAD_REQUEST'
  | 'UNSUPPORTED_FEATURE'
  | 'DEADLINE_EXCEEDED'
  | 'PROVIDER_UNAVAILABLE'
  | 'STREAMING_DISABLED'
  | 'STREAM_LIMIT'
  | 'SESSION_NOT_FOUND'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'INTERNAL';

const defaultStatus: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUERY_TOO_LARGE: 400,
  QUERY_TOO_DEEP: 400,
  QUERY_TOO_COMPLEX: 400,
  TOO_MANY_OPERATIONS: 400,
  TOO_MANY_SUBSCRIPTIONS: 429,
  GRAPHQL_VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  TOKEN_LIMITED: 429,
  CONCURRENCY_LIMITED: 429,
  BUDGET_EXCEEDED: 429,
  MODEL_NOT_ALLOWED: 403,
  PRICE_UNKNOWN: 403,
  KEY_EXPIRED: 401,
  UNKNOWN_PROVIDER: 404,
  MODEL_NOT_FOUND: 404,
  PROVIDER_UNCONFIGURED: 503,
  PROVIDER_AUTH_FAILED: 502,
  PROVIDER_RATE_LIMITED: 429,
  PROVIDER_TIMEOUT: 504,
  PROVIDER_ERROR: 502,
  PROVIDER_BAD_REQUEST: 400,
  UNSUPPORTED_FEATURE: 400,
  DEADLINE_EXCEEDED: 504,
  PROVIDER_UNAVAILABLE: 503,
  STREAMING_DISABLED: 503,
  STREAM_LIMIT: 429,
  SESSION_NOT_FOUND: 404,
  CONFLICT: 409,
  SERVICE_UNAVAILABLE: 503,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface GatewayErrorOptions {
  status?: number;
  /** Seconds the caller should wait before retrying (429/503). */
  retryAfter?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** HTTP headers the answer carries (x-ratelimit-* on a refusal). */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter?: number;
  readonly details?: Record<string, unknown>;
  headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.retryAfter = options.retryAfter;
    this.details = options.details;
    this.headers = options.headers;
  }

  toJSON() {
    return {
      code: this.code,
      message: this.message,
      ...(this.retryAfter !== undefined ? { retry_after: this.retryAfter } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

/** The caller-facing form of any error: GatewayErrors as they are, the rest masked. */
export function toGatewayError(e: unknown): GatewayError {
  if (isGatewayError(e)) return e;
  if (isDatabaseUnavailable(e)) return databaseUnavailable(e);
  return new GatewayError('INTERNAL', 'Unexpected error', { cause: e });
}

/** 503 for a request that needed the database while it cannot be reached. */
export function databaseUnavailable(cause?: unknown): GatewayError {
  return new GatewayError('DEPENDENCY_UNAVAILABLE', 'The database is unavailable; retry shortly', { retryAfter: 5, details: { dependency: 'database' }, cause });
}

// SQLSTATE classes that mean the server cannot serve this session: connection exceptions (08),
// insufficient resources (53: too many connections, out of memory), operator intervention
// (57P01-57P05: shutdown, cannot connect now), and a database closed to connections (55000
// arrives with severity FATAL, as every session-ending error does).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)/;
const UNAVAILABLE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// Prisma: cannot reach, timed out, database missing, connection closed, pool timeout.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1003', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_DRIVER_KINDS = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionStartTimeout']);
// What node-postgres and its pool throw without a code when a connection breaks or never comes.
const UNAVAILABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

/**
 * True when an error from the database layer (Prisma, its pg adapter, node-postgres) says the
 * database cannot be reached or serve connections, rather than that the query was wrong.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e, depth = 0; err && typeof err === 'object' && depth < 5; depth++) {
    const o = err as { code?: unknown; severity?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: Record<string, unknown> } }; cause?: unknown };
    const code = typeof o.code === 'string' ? o.code : '';
    if (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_NET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && (UNAVAILABLE_SQLSTATE.test(code) || o.severity === 'FATAL' || o.severity === 'PANIC')) return true;
    if (typeof o.message === 'string' && UNAVAILABLE_MESSAGES.test(o.message)) return true;
    const driver = o.meta?.driverAdapterError?.cause;
    if (driver) {
      if (UNAVAILABLE_DRIVER_KINDS.has(String(driver.kind))) return true;
      const sqlstate = String(driver.originalCode ?? driver.code ?? '');
      if (UNAVAILABLE_SQLSTATE.test(sqlstate) || driver.severity === 'FATAL' || driver.severity === 'PANIC') return true;
    }
    err = o.cause;
  }
  return false;
}
