// What every drop-in /v1 route shares: the one place where they call the gateway (the
// same Gateway and StreamingService calls as REST, so auth, limits, cache, coalescing,
// retries, fallback, analytics and optimization apply alike), their response headers, and
// Server-Sent Events.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RawCompletionInput } from '../gateway/completion-input.js';
import type { Caller, CompletionResult } from '../gateway/gateway.js';
import type { StreamPiece } from '../gateway/streaming.js';
import type { RestRequest, Route } from '../rest/router.js';
import type { Services } from '../services.js';
import { toGatewayError, type GatewayError } from '../errors.js';
import { ModelNames, type ResolvedModel } from './model-names.js';
import { REQUEST_ID_HEADER } from './errors.js';
import { rateLimitHeaders } from '../governance/headers.js';

export type CompatSource = Extract<Caller['source'], 'openai-chat' | 'openai-responses' | 'openai-embeddings' | 'anthropic-messages'>;

const names = new WeakMap<Services, ModelNames>();

/** The model names of this gateway's providers and aliases. */
export function modelNames(services: Services): ModelNames {
  let n = names.get(services);
  if (!n) {
    n = new ModelNames(services.router.providers, services.config.modelAliases);
    names.set(services, n);
  }
  return n;
}

/** The input with the model's provider, model and (unless the request chose one) the alias's fallback. */
export function routedInput(input: RawCompletionInput, model: ResolvedModel): RawCompletionInput {
  return {
    ...input,
    provider: model.provider,
    model: model.model,
    ...(input.fallback === undefined && model.fallback ? { fallback: model.fallback } : {}),
  };
}

function callerOf(r: RestRequest, source: CompatSource): Caller {
  return { viewer: r.viewer, source, cancel: r.cancel, rateLimit: {} };
}

/** The key's x-ratelimit-* headers (src/governance/headers.ts), kept for whatever answer the route writes. */
function withRateLimitHeaders<T>(r: RestRequest, caller: Caller, run: Promise<T>): Promise<T> {
  return run.finally(() => {
    for (const [k, v] of Object.entries(rateLimitHeaders(caller))) if (!r.res.headersSent) r.res.setHeader(k, v);
  });
}

/** A completion through the gateway, as REST runs it. */
export function complete(r: RestRequest, input: RawCompletionInput, source: CompatSource): Promise<CompletionResult> {
  const caller = callerOf(r, source);
  return withRateLimitHeaders(r, caller, r.services.gateway.complete(input, caller));
}

/** A stream through the gateway, as REST opens it: errors before the first piece throw here. */
function openStream(r: RestRequest, input: RawCompletionInput, source: CompatSource) {
  const caller = callerOf(r, source);
  return withRateLimitHeaders(r, caller, r.services.streaming.open(input, caller));
}

/**
 * A streamed completion written as Server-Sent Events in a route's wire format: `events`
 * turns the pieces into that wire's events and hands `done` the final result, whose cost
 * becomes the trailer.
 */
export async function streamCompletion(
  r: RestRequest,
  input: RawCompletionInput,
  source: CompatSource,
  events: (pieces: AsyncIterable<StreamPiece>, done: (result: CompletionResult) => void) => AsyncGenerator<SseEvent>,
  onError: (err: GatewayError) => SseEvent,
): Promise<undefined> {
  const pieces = await openStream(r, input, source);
  let result: CompletionResult | undefined;
  await writeEvents(r.res, pieces.cached, events(pieces, (res) => (result = res)), onError, () => result?.estimatedCost, r.services.logger);
  return undefined;
}

/** Validation only (count_tokens): the request as the gateway would send it. */
export function prepare(r: RestRequest, input: RawCompletionInput) {
  return r.services.gateway.prepare(input, { viewer: r.viewer });
}

/** Embeddings through the gateway (limits, provider rate limit, breaker, retries, analytics). */
export function embed(r: RestRequest, provider: string, model: string, texts: unknown) {
  const caller = callerOf(r, 'openai-embeddings');
  return withRateLimitHeaders(r, caller, r.services.gateway.embed(provider, model, texts, caller));
}

/** The model an answer names: as the client asked when that is who answered, else provider/model of whoever did. */
export function answeringModel(model: ResolvedModel, result: Pick<CompletionResult, 'provider' | 'model'>): string {
  if (result.provider !== model.provider) return `${result.provider}/${result.model}`;
  return model.requested.includes('/') ? `${result.provider}/${result.model}` : result.model;
}

export function costHeader(cost: number | null): string {
  return cost === null ? 'unknown' : String(cost);
}

/** x-gateway-cache and x-gateway-cost-usd of a finished answer. */
export function resultHeaders(result: Pick<CompletionResult, 'cached' | 'estimatedCost'>): Record<string, string> {
  return { 'x-gateway-cache': result.cached ? 'hit' : 'miss', 'x-gateway-cost-usd': costHeader(result.estimatedCost) };
}

/** A /v1 route: every answer (errors included) carries x-request-id; errors in the route's wire format. */
export function compatRoute(route: Route & { formatError: NonNullable<Route['formatError']> }): Route {
  const handler = route.handler;
  return {
    ...route,
    handler(r) {
      r.res.setHeader(REQUEST_ID_HEADER, randomUUID());
      // What an answer that is no completion (a list, a count, an error) says; completions set their own.
      r.res.setHeader('x-gateway-cache', 'miss');
      r.res.setHeader('x-gateway-cost-usd', '0');
      return handler(r);
    },
  };
}

export function requestIdOf(res: ServerResponse): string {
  return String(res.getHeader(REQUEST_ID_HEADER) ?? randomUUID());
}

export interface SseEvent {
  event?: string;
  data: string;
}

const HEARTBEAT_MS = 15_000;

/**
 * Writes events as Server-Sent Events. The cost is known only at the end, so it goes out
 * as an HTTP trailer (x-gateway-cost-usd); x-gateway-cache is known before the first
 * event. An error after the first byte is written by `onError` in the wire's own form.
 */
async function writeEvents(
  res: ServerResponse,
  cached: boolean,
  events: AsyncGenerator<SseEvent>,
  onError: (err: GatewayError) => SseEvent,
  cost: () => number | null | undefined,
  logger: Services['logger'],
): Promise<void> {
  res.removeHeader('x-gateway-cost-usd'); // a trailer here
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-gateway-cache': cached ? 'hit' : 'miss',
    trailer: 'x-gateway-cost-usd',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  try {
    for await (const e of events) {
      if (res.destroyed) break;
      res.write(e.event ? `event: ${e.event}\ndata: ${e.data}\n\n` : `data: ${e.data}\n\n`);
    }
  } catch (e) {
    const err = toGatewayError(e);
    if (err.code === 'INTERNAL') logger.error('stream failed', { error: e instanceof Error ? e.message : String(e) });
    if (!res.destroyed) {
      const ev = onError(err);
      res.write(ev.event ? `event: ${ev.event}\ndata: ${ev.data}\n\n` : `data: ${ev.data}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    await events.return(undefined).catch(() => {});
    if (!res.destroyed) {
      const c = cost();
      if (c !== undefined) res.addTrailers({ 'x-gateway-cost-usd': costHeader(c) });
      res.end();
    }
  }
}

export type { StreamPiece };
