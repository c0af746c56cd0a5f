// Writes a batch of recorded calls in one statement through Prisma: the rows
// travel as one JSON parameter and PostgreSQL expands them. On the embedded
// database this is 4-8x cheaper than createMany (about 25 ms instead of
// 100-200 ms for 500 rows), and that time is spent on the event loop.
// ON CONFLICT makes a retried batch harmless if its first write did land.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { StoredCall } from './recorder.js';

export type BatchWriter = (rows: StoredCall[]) => Promise<void>;

export function insertCalls(prisma: PrismaClient): BatchWriter {
  return async (rows) => {
    const json = JSON.stringify(
      rows.map((r) => ({
        id: r.id,
        created_at: r.createdAt.toISOString(),
        user_id: r.userId,
        provider: r.provider,
        model: r.model,
        source: r.source,
        input_tokens: r.inputTokens,
        output_tokens: r.outputTokens,
        cost_usd: r.costUsd,
        list_cost_usd: r.listCostUsd,
        cost_estimated: r.costEstimated,
        latency_ms: r.latencyMs,
        cached: r.cached,
        optimized: r.optimized,
        tokens_saved: r.tokensSaved,
        streamed: r.streamed,
        status: r.status,
        error_code: r.errorCode,
      })),
    );
    await prisma.$executeRaw`
      INSERT INTO api_calls (id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd,
                             list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code)
      SELECT id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd,
             list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code
      FROM json_populate_recordset(NULL::api_calls, ${json}::json)
      ON CONFLICT (id) DO NOTHING`;
  };
}
