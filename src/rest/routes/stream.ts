import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { outputChunks } from '../../gateway/stream-chunks.js';
import type { RawCompletionInput } from '../../gateway/completion-input.js';
import { completionFromBody } from '../completion-body.js';
import type { RestRequest, Route } from '../router.js';
import { writeSse } from '../sse.js';
import { parseBody, uuid } from '../../validators.js';
import { rateLimitHeaders } from '../../governance/headers.js';

const StreamFields = z.object({ chunk_size: z.number().int().min(0).max(100_000).optional() });

/** A stream body: a completion plus the provider and chunk_size. */
function streamBody(body: unknown) {
  const { input, own } = completionFromBody(undefined, body, ['provider', 'chunk_size']);
  const { chunk_size } = parseBody(StreamFields, { chunk_size: own.chunk_size });
  // The provider is checked with the rest of the request, by the gateway.
  return { input: { ...input, provider: own.provider as string | undefined }, chunkSize: chunk_size ?? 0 };
}

/** GET /api/ai/stream?provider=&prompt=&model=&max_tokens=&temperature=&chunk_size= for EventSource: numbers from their text. */
const QUERY_NUMBERS = new Set(['max_tokens', 'temperature', 'top_p', 'chunk_size', 'seed', 'timeout_ms']);

function queryBody(query: URLSearchParams): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of query) {
    if (k === 'token') continue;
    body[k] = QUERY_NUMBERS.has(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return body;
}

async function stream(r: RestRequest, input: RawCompletionInput, chunkSize: number) {
  // Errors before the first chunk (validation, limits, provider down) still get a JSON status.
  const caller = { viewer: r.viewer, source: 'stream' as const, cancel: r.cancel, rateLimit: {} };
  const pieces = await r.services.streaming.open(input, caller);
  await writeSse(r.res, outputChunks(pieces, chunkSize, input.model), r.services.logger, rateLimitHeaders(caller));
  return undefined;
}

export const streamRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/ai/stream',
    access: 'user',
    async handler(r) {
      const { input, chunkSize } = streamBody(r.body);
      return stream(r, input, chunkSize);
    },
  },
  {
    method: 'GET',
    path: '/api/ai/stream',
    access: 'user',
    allowQueryToken: true,
    async handler(r) {
      const sessionId = r.query.get('session_id');
      if (sessionId !== null) {
        const session = await r.services.streamSessions.get(uuid(sessionId, 'session_id'), r.viewer!);
        return stream(r, session.input, session.chunkSize);
      }
      const { input, chunkSize } = streamBody(queryBody(r.query));
      return stream(r, input, chunkSize);
    },
  },
  {
    method: 'POST',
    path: '/api/ai/stream/session',
    access: 'user',
    async handler({ body, services, viewer }) {
      if (!services.streaming.enabled) throw new GatewayError('STREAMING_DISABLED', 'Streaming is disabled on this gateway (ENABLE_STREAMING=false)');
      const { input, chunkSize } = streamBody(body);
      services.gateway.prepare(input, { viewer }); // validate now, not when the EventSource connects
      const s = await services.streamSessions.create(input, chunkSize, viewer!);
      return {
        status: 201,
        body: {
          session_id: s.id,
          prompt: input.prompt,
          provider: input.provider ?? services.config.defaultProvider,
          streaming_url: `/api/ai/stream?session_id=${s.id}`,
          expected_duration_ms: services.streamSessions.expectedDurationMs(input),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/ai/stream/health',
    access: 'user',
    handler({ services }) {
      const slots = services.streaming.slots;
      return {
        body: {
          streaming_available: services.streaming.enabled,
          supported_providers: [...services.router.providers.values()].filter((a) => a.isConfigured()).map((a) => a.name),
          max_concurrent_streams: slots.maxTotal,
          max_streams_per_user: slots.maxPerUser,
          active_streams: slots.active,
        },
      };
    },
  },
];
