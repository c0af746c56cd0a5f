// Writes a batch of recorded calls in one statement through Prisma: the rows
// travel as one JSON parameter and PostgreSQL expands them, far cheaper than
// createMany (on the embedded database, PostgreSQL in WebAssembly, CPU time is the cost).
// ON CONFLICT makes a retried batch harmless if its first write did land.
//
// Where the backend offers COPY cheaply (the embedded database), a batch goes in as CSV
// first, which costs less per row still (BENCHMARKS.md). COPY has no ON CONFLICT, so any
// failure (such as a retried batch whose first write did land) falls back to the JSON
// statement, which skips the rows already there.
//
// A batch refused for its data (SQLSTATE class 22 or 23: a value the database cannot
// store, a user deleted since the call was made) is split in halves until the rows at
// fault are alone; the others are written and each row at fault goes to
// api_call_dead_letters with its error, so one bad row never holds back the rest. Any
// other failure (the database down, a timeout) is thrown: the recorder retries the batch.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql-runner.js';
import type { Logger } from '../logger.js';
import type { StoredCall } from './recorder.js';

/** A call that could not be stored in api_calls. */
export interface RejectedCall {
  call: StoredCall;
  /** SQLSTATE of the error the database gave for this row alone. */
  code: string;
  error: string;
  /** Whether it is in api_call_dead_letters (false: it could not be stored there either). */
  deadLettered: boolean;
}

export interface WriteResult {
  /** Rows not stored in api_calls; every other row of the batch was. */
  rejected: RejectedCall[];
}

export type BatchWriter = (rows: StoredCall[]) => Promise<WriteResult | void>;

const COLUMNS = [
  'id', 'created_at', 'user_id', 'provider', 'model', 'source', 'input_tokens', 'output_tokens', 'cost_usd',
  'list_cost_usd', 'cost_estimated', 'latency_ms', 'cached', 'optimized', 'tokens_saved', 'streamed', 'status', 'error_code', 'api_key_id', 'team_id',
  'cached_input_tokens', 'cache_write_tokens', 'reasoning_tokens', 'tool_calls',
];

/** CSV fields: NULL is an empty unquoted field, text is always quoted (so '' stays an empty string). */
const text = (v: string) => (v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`);
const textOrNull = (v: string | null) => (v === null ? '' : text(v));
const num = (v: number | null) => (v === null || !Number.isFinite(v) ? '' : String(v));
const bool = (v: boolean) => (v ? 't' : 'f');

export function callsCsv(rows: StoredCall[]): string {
  let csv = '';
  for (const r of rows) {
    csv += `${r.id},${r.createdAt.toISOString()},${r.userId ?? ''},${text(r.provider)},${text(r.model)},${text(r.source)},${num(r.inputTokens)},${num(r.outputTokens)},${num(r.costUsd)},${num(r.listCostUsd)},${bool(r.costEstimated)},${num(r.latencyMs)},${bool(r.cached)},${bool(r.optimized)},${num(r.tokensSaved)},${bool(r.streamed)},${text(r.status)},${textOrNull(r.errorCode)},${r.apiKeyId ?? ''},${r.teamId ?? ''},${num(r.cachedInputTokens ?? 0)},${num(r.cacheWriteTokens ?? 0)},${num(r.reasoningTokens ?? 0)},${num(r.toolCalls ?? 0)}\n`;
  }
  return csv;
}

/** The SQLSTATE of a database error, from the driver's error or from Prisma's wrapping of it. */
export function sqlState(e: unknown): string | undefined {
  const err = e as { code?: unknown; meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null;
  const candidates = [err?.meta?.driverAdapterError?.cause?.originalCode, err?.meta?.code, err?.code];
  for (const c of candidates) if (typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c)) return c;
  return undefined;
}

/** Data exceptions (22) and integrity violations (23): the rows are at fault, not the database. */
export function isDataError(e: unknown): boolean {
  const state = sqlState(e);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** A repeated batch makes COPY fail on the primary key: expected, and not worth a log line. */
const UNIQUE_VIOLATION = '23505';
const WARN_EVERY_MS = 60_000;

function messageOf(e: unknown): string {
  const m = (e as { meta?: { driverAdapterError?: { cause?: { originalMessage?: unknown } } } })?.meta?.driverAdapterError?.cause?.originalMessage;
  return typeof m === 'string' ? m : String((e as Error)?.message ?? e);
}

export function insertCalls(prisma: PrismaClient, sql?: SqlRunner, logger?: Logger): BatchWriter {
  const json = insertJson(prisma);
  const copy = sql?.copyCsv?.bind(sql);
  let lastWarning = -Infinity;
  const whole = copy
    ? async (rows: StoredCall[]) => {
        try {
          await copy('api_calls', COLUMNS, callsCsv(rows));
        } catch (e) {
          // Any failure other than a repeated batch or bad rows (which the JSON statement
          // sorts out) is said, at most once a minute: a COPY failing every time would
          // otherwise go unseen while every batch paid for both statements.
          if (sqlState(e) !== UNIQUE_VIOLATION && !isDataError(e) && Date.now() - lastWarning > WARN_EVERY_MS) {
            lastWarning = Date.now();
            logger?.warn('usage rows: COPY failed, writing them with INSERT instead', { error: messageOf(e).slice(0, 300) });
          }
          await json(rows);
        }
      }
    : json;

  /** Writes what it can of `rows` with the JSON statement; returns the rows refused alone, with their errors. */
  const isolate = async (rows: StoredCall[]): Promise<{ call: StoredCall; error: unknown }[]> => {
    try {
      await json(rows);
      return [];
    } catch (e) {
      if (!isDataError(e)) throw e;
      if (rows.length === 1) return [{ call: rows[0]!, error: e }];
      const half = rows.length >>> 1;
      return [...(await isolate(rows.slice(0, half))), ...(await isolate(rows.slice(half)))];
    }
  };

  const deadLetter = insertDeadLetters(prisma);
  return async (rows) => {
    let first: unknown;
    try {
      await whole(rows);
      return;
    } catch (e) {
      if (!isDataError(e)) throw e;
      first = e;
    }
    const bad = await isolate(rows);
    const rejected: RejectedCall[] = bad.map(({ call, error }) => ({
      call,
      code: sqlState(error)!,
      error: messageOf(error).slice(0, 1000),
      deadLettered: false,
    }));
    if (!rejected.length) return; // the batch went in on the second try (a row fixed by a concurrent change)
    await deadLetter(rejected, logger);
    logger?.warn('usage rows refused by the database; stored in api_call_dead_letters', {
      rows: rows.length,
      refused: rejected.length,
      deadLettered: rejected.filter((r) => r.deadLettered).length,
      code: rejected[0]!.code,
      error: rejected[0]!.error.slice(0, 300),
      batchError: messageOf(first).slice(0, 300),
    });
    return { rejected };
  };
}

function insertJson(prisma: PrismaClient): (rows: StoredCall[]) => Promise<void> {
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
        api_key_id: r.apiKeyId ?? null,
        team_id: r.teamId ?? null,
        cached_input_tokens: r.cachedInputTokens ?? 0,
        cache_write_tokens: r.cacheWriteTokens ?? 0,
        reasoning_tokens: r.reasoningTokens ?? 0,
        tool_calls: r.toolCalls ?? 0,
      })),
    );
    await prisma.$executeRaw`
      INSERT INTO api_calls (id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd,
                             list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code, api_key_id, team_id,
                             cached_input_tokens, cache_write_tokens, reasoning_tokens, tool_calls)
      SELECT id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd,
             list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code, api_key_id, team_id,
             cached_input_tokens, cache_write_tokens, reasoning_tokens, tool_calls
      FROM json_populate_recordset(NULL::api_calls, ${json}::json)
      ON CONFLICT (id) DO NOTHING`;
  };
}

/** The error text as stored: no control characters (NUL included), bounded. */
const storable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 1000);

/**
 * Stores refused calls with their errors. The call is kept as JSON text: JSON escapes
 * NUL bytes and lone surrogates, so any call can be stored and read back as it was.
 * Marks each one stored; one that cannot be (a data error here too) stays unmarked.
 */
function insertDeadLetters(prisma: PrismaClient) {
  const write = async (rows: RejectedCall[]) => {
    const json = JSON.stringify(
      rows.map((r) => ({
        id: r.call.id,
        created_at: r.call.createdAt.toISOString(),
        error_code: r.code,
        error: storable(r.error),
        record: JSON.stringify(r.call),
      })),
    );
    await prisma.$executeRaw`
      INSERT INTO api_call_dead_letters (id, created_at, error_code, error, record)
      SELECT id, created_at, error_code, error, record
      FROM json_populate_recordset(NULL::api_call_dead_letters, ${json}::json)
      ON CONFLICT (id) DO NOTHING`;
  };
  return async (rows: RejectedCall[], logger?: Logger) => {
    try {
      await write(rows);
      for (const r of rows) r.deadLettered = true;
      return;
    } catch (e) {
      if (!isDataError(e)) throw e;
    }
    for (const r of rows) {
      try {
        await write([r]);
        r.deadLettered = true;
      } catch (e) {
        if (!isDataError(e)) throw e;
        logger?.error('usage row refused by the dead-letter table too; dropped', { id: r.call.id, error: messageOf(e).slice(0, 300) });
      }
    }
  };
}
