// How often the embedded database checkpoints and what one costs (issue 26, point 3): a
// checkpoint runs inside whatever statement crosses max_wal_size (PGlite is single-user: no
// checkpointer process, no time-based checkpoints), on the database's thread. Writes usage
// rows as the recorder does (COPY of 1000-row batches through the SQL runner, triggers on) into
// a fresh migrated database on disk, and reports the WAL bytes per row (hence rows between
// checkpoints at max_wal_size) and the duration of an explicit CHECKPOINT after them.
//   node --import tsx bench/experiments/pglite-checkpoint.mts [--rows 20000]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { callsCsv } from '../../src/analytics/insert-calls.js';
import type { StoredCall } from '../../src/analytics/recorder.js';
import { openDatabase } from '../../src/db/database.js';

const { values } = parseArgs({ options: { rows: { type: 'string' } } });
const rows = Number(values.rows ?? 20_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'pgl-checkpoint-'));
const db = await openDatabase({ dataDir: dir });
const COLUMNS = ['id', 'created_at', 'user_id', 'provider', 'model', 'source', 'input_tokens', 'output_tokens', 'cost_usd',
  'list_cost_usd', 'cost_estimated', 'latency_ms', 'cached', 'optimized', 'tokens_saved', 'streamed', 'status', 'error_code', 'api_key_id', 'team_id',
  'cached_input_tokens', 'cache_write_tokens', 'reasoning_tokens', 'tool_calls'];
const call = (i: number): StoredCall => ({
  id: randomUUID(), createdAt: new Date(), userId: null, provider: 'openai', model: `gpt-4o-mini-${i % 5}`, source: 'rest', inputTokens: 20, outputTokens: 20,
  costUsd: 0.0001, listCostUsd: 0.0001, costEstimated: false, latencyMs: 12 + (i % 50), cached: false, optimized: false, tokensSaved: 0, streamed: false,
  status: 'success', errorCode: null,
});
const lsn = async () => (await db.sql.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b"))[0]!.b;
const [{ max_wal_size: maxWal }] = await db.sql.query<{ max_wal_size: string }>('SHOW max_wal_size');
const before = Number(await lsn());
const batchMs: number[] = [];
for (let i = 0; i < rows; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, rows - i) }, (_, k) => call(i + k));
  const t0 = performance.now();
  await db.sql.copyCsv!('api_calls', COLUMNS, callsCsv(batch));
  batchMs.push(performance.now() - t0);
}
const walPerRow = (Number(await lsn()) - before) / rows;
const t0 = performance.now();
await db.sql.query('CHECKPOINT');
const checkpointMs = performance.now() - t0;
batchMs.sort((a, b) => a - b);
console.log(`${rows} rows in batches of 1000: batch ms median ${batchMs[batchMs.length >> 1]!.toFixed(1)}, max ${batchMs.at(-1)!.toFixed(1)} (round trip to the database's thread)`);
console.log(`WAL per row ${walPerRow.toFixed(0)} bytes; max_wal_size ${maxWal}: a checkpoint about every ${Math.round((1024 ** 3) / walPerRow).toLocaleString('en')} rows`);
console.log(`CHECKPOINT after them: ${checkpointMs.toFixed(0)} ms`);
await db.close();
rmSync(dir, { recursive: true, force: true });
