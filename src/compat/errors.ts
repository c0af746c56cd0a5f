// The gateway's errors in the shapes and statuses the OpenAI and Anthropic clients expect,
// so their error classes and retry logic behave as they do against the providers. Both SDKs
// retry 408, 409, 429 and 5xx unless the answer says `x-should-retry: false`, and wait as
// long as Retry-After says: failures a retry cannot fix (the gateway's provider key refused,
// a provider not configured, the caller's own deadline) say false.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { toGatewayError, type ErrorCode, type GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendJson } from '../rest/http-utils.js';

const NOT_RETRYABLE = new Set<ErrorCode>(['PROVIDER_AUTH_FAILED', 'PROVIDER_UNCONFIGURED', 'DEADLINE_EXCEEDED', 'STREAMING_DISABLED']);

/** The request id header every /v1 answer carries (set when the request arrives). */
export const REQUEST_ID_HEADER = 'x-request-id';

function statusOf(err: GatewayError, wire: 'openai' | 'anthropic'): number {
  // Anthropic's clients know an overloaded upstream as 529; the gateway's open breaker is that.
  if (wire === 'anthropic' && err.code === 'PROVIDER_UNAVAILABLE') return 529;
  return err.status;
}

function headersOf(err: GatewayError): Record<string, string> {
  const headers: Record<string, string> = { ...err.headers };
  // A key's limit that waiting does not lift (a total budget spent, a request larger than its tokens per minute).
  if (err.status === 429 && err.retryAfter === undefined) headers['x-should-retry'] = 'false';
  if (err.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfter)));
  if (NOT_RETRYABLE.has(err.code)) headers['x-should-retry'] = 'false';
  return headers;
}

function openaiType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  MODEL_NOT_FOUND: 'model_not_found',
  UNKNOWN_PROVIDER: 'model_not_found',
  RATE_LIMITED: 'rate_limit_exceeded',
  PROVIDER_RATE_LIMITED: 'rate_limit_exceeded',
};

/** OpenAI's error body: {error: {message, type, param, code}}. */
export function openaiErrorBody(err: GatewayError) {
  const field = err.details?.field;
  return {
    error: {
      message: err.message,
      type: openaiType(err.status),
      param: typeof field === 'string' ? field : null,
      code: OPENAI_CODES[err.code] ?? err.code.toLowerCase(),
    },
  };
}

function anthropicType(status: number): string {
  switch (status) {
    case 400:
    case 415:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Anthropic's error body: {type: "error", error: {type, message}, request_id}. */
export function anthropicErrorBody(err: GatewayError, requestId?: string) {
  return {
    type: 'error',
    error: { type: anthropicType(statusOf(err, 'anthropic')), message: err.message },
    ...(requestId ? { request_id: requestId } : {}),
  };
}

function send(res: ServerResponse, e: unknown, logger: Logger, wire: 'openai' | 'anthropic') {
  const err = toGatewayError(e);
  if (err.code === 'INTERNAL') logger.error('unexpected error', { error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Refused before the route ran (auth, body size): the headers every /v1 answer has.
  if (!res.hasHeader(REQUEST_ID_HEADER)) res.setHeader(REQUEST_ID_HEADER, randomUUID());
  if (!res.hasHeader('x-gateway-cache')) res.setHeader('x-gateway-cache', 'miss');
  if (!res.hasHeader('x-gateway-cost-usd')) res.setHeader('x-gateway-cost-usd', '0');
  const requestId = res.getHeader(REQUEST_ID_HEADER);
  const body = wire === 'openai' ? openaiErrorBody(err) : anthropicErrorBody(err, typeof requestId === 'string' ? requestId : undefined);
  sendJson(res, statusOf(err, wire), body, headersOf(err));
}

export const sendOpenAIError = (res: ServerResponse, e: unknown, logger: Logger) => send(res, e, logger, 'openai');
export const sendAnthropicError = (res: ServerResponse, e: unknown, logger: Logger) => send(res, e, logger, 'anthropic');
