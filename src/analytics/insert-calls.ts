// Writes a batch of recorded calls in one statement through Prisma: the rows
// travel as one JSON parameter and PostgreSQL expands them. On the embedded
// database this is 4-8x cheaper than createMany (about 25 ms instead of
// 100-200 ms for 500 rows), and that time is spent on the event loop.
// ON CONFLICT makes a retried batch harmless if its first write did land.
//
// Where the backend offers COPY cheaply (the embedded database), a batch goes in as CSV
// first: about a third less time per row in PGlite, on the request thread
// (bench/experiments/pgl-insert.mts). COPY has no ON CONFLICT, so any failure (such as a
// retried batch whose first write did land) falls back to the JSON statement, which
// skips the rows already there.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql-runner.js';
import type { Logger } from '../logger.js';
import type { StoredCall } from './recorder.js';

export type BatchWriter = (rows: StoredCall[]) => Promise<void>;

const COLUMNS = [
  'id', 'created_at', 'user_id', 'provider', 'model', 'source', 'input_tokens', 'output_tokens', 'cost_usd',
  'list_cost_usd', 'cost_estimated', 'latency_ms', 'cached', 'optimized', 'tokens_saved', 'streamed', 'status', 'error_code',
];

/** CSV fields: NULL is an empty unquoted field, text is always quoted (so '' stays an empty string). */
const text = (v: string) => (v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`);
const textOrNull = (v: string | null) => (v === null ? '' : text(v));
const num = (v: number | null) => (v === null || !Number.isFinite(v) ? '' : String(v));
const bool = (v: boolean) => (v ? 't' : 'f');

export function callsCsv(rows: StoredCall[]): string {
  let csv = '';
  for (const r of rows) {
    csv += `${r.id},${r.createdAt.toISOString()},${r.userId ?? ''},${text(r.provider)},${text(r.model)},${text(r.source)},${num(r.inputTokens)},${num(r.outputTokens)},${num(r.costUsd)},${num(r.listCostUsd)},${bool(r.costEstimated)},${num(r.latencyMs)},${bool(r.cached)},${bool(r.optimized)},${num(r.tokensSaved)},${bool(r.streamed)},${text(r.status)},${textOrNull(r.errorCode)}\n`;
  }
  return csv;
}

/** A repeated batch makes COPY fail on the primary key: expected, and not worth a log line. */
const UNIQUE_VIOLATION = '23505';
const WARN_EVERY_MS = 60_000;

export function insertCalls(prisma: PrismaClient, sql?: SqlRunner, logger?: Logger): BatchWriter {
  const json = insertJson(prisma);
  const copy = sql?.copyCsv?.bind(sql);
  if (!copy) return json;
  let lastWarning = -Infinity;
  return async (rows) => {
    try {
      await copy('api_calls', COLUMNS, callsCsv(rows));
    } catch (e) {
      // Any other failure is said (at most once a minute): a COPY failing every time would
      // otherwise go unseen while every batch paid for both statements.
      if ((e as { code?: unknown }).code !== UNIQUE_VIOLATION && Date.now() - lastWarning > WARN_EVERY_MS) {
        lastWarning = Date.now();
        logger?.warn('usage rows: COPY failed, writing them with INSERT instead', { error: (e as Error).message?.slice(0, 300) });
      }
      await json(rows);
    }
  };
}

function insertJson(prisma: PrismaClient): BatchWriter {
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
