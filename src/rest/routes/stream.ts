import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { outputChunks } from '../../gateway/stream-chunks.js';
import type { CompletionInput } from '../../gateway/gateway.js';
import { CompletionFields, toCompletionInput } from '../completion-body.js';
import type { RestRequest, Route } from '../router.js';
import { writeSse } from '../sse.js';
import { parseBody } from '../validate.js';
import { uuid } from '../../validators.js';

const StreamBody = z.object({
  ...CompletionFields,
  provider: z.string().min(1).optional(),
  chunk_size: z.number().int().min(0).max(100_000).optional(),
});

/** GET /api/ai/stream?provider=&prompt=&model=&max_tokens=&temperature=&chunk_size= for EventSource. */
const StreamQuery = z.object({
  provider: z.string().min(1).optional(),
  prompt: z.string().min(1),
  model: z.string().min(1).optional(),
  system_message: z.string().optional(),
  max_tokens: z.coerce.number().int().positive().optional(),
  temperature: z.coerce.number().min(0).max(2).optional(),
  chunk_size: z.coerce.number().int().min(0).max(100_000).optional(),
});

async function stream(r: RestRequest, input: CompletionInput, chunkSize: number) {
  // Errors before the first chunk (validation, limits, provider down) still get a JSON status.
  const pieces = await r.services.streaming.open(input, { viewer: r.viewer, source: 'stream', cancel: r.cancel });
  await writeSse(r.res, outputChunks(pieces, chunkSize, input.model), r.services.logger);
  return undefined;
}

export const streamRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/ai/stream',
    access: 'user',
    async handler(r) {
      const b = parseBody(StreamBody, r.body);
      return stream(r, toCompletionInput(b.provider, b), b.chunk_size ?? 0);
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
      const q = parseBody(StreamQuery, Object.fromEntries([...r.query.entries()].filter(([k]) => k !== 'token')));
      return stream(r, toCompletionInput(q.provider, q), q.chunk_size ?? 0);
    },
  },
  {
    method: 'POST',
    path: '/api/ai/stream/session',
    access: 'user',
    async handler({ body, services, viewer }) {
      if (!services.streaming.enabled) throw new GatewayError('STREAMING_DISABLED', 'Streaming is disabled on this gateway (ENABLE_STREAMING=false)');
      const b = parseBody(StreamBody, body);
      const input = toCompletionInput(b.provider, b);
      services.gateway.prepare(input); // validate now, not when the EventSource connects
      const s = await services.streamSessions.create(input, b.chunk_size ?? 0, viewer!);
      return {
        status: 201,
        body: {
          session_id: s.id,
          prompt: b.prompt,
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
