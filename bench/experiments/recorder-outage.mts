// The analytics recorder through a PostgreSQL outage at the gateway's peak rate: calls
// are recorded at RATE per second for OUTAGE seconds while the database refuses
// connections (as in test/integration/analytics-outage.test.ts), then the database comes
// back and the script waits until every call is stored. The recorder is the gateway's
// (insertCalls writer, 1,000-row statements as on PostgreSQL, default in-memory queue, a
// spill folder in a temporary directory);
// the calls are recorded directly, not through HTTP. From the repository root:
//   node --import tsx bench/experiments/recorder-outage.mts [rate=4000] [outageSeconds=30]
// Needs PostgreSQL at TEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { insertCalls } from '../../src/analytics/insert-calls.js';
import { UsageRecorder, type CallRecord } from '../../src/analytics/recorder.js';
import { SpillStore } from '../../src/analytics/spill.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { createScratchDatabase } from '../../test/helpers/scratch-db.js';

const RATE = Number(process.argv[2] ?? 4000);
const OUTAGE_S = Number(process.argv[3] ?? 30);
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const scratch = await createScratchDatabase(ADMIN_URL, 'aigw_outage');
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
const db = await openDatabase({ databaseUrl: scratch.url, dataDir: 'unused' });
const dir = mkdtempSync(join(tmpdir(), 'aigw-outage-spill-'));
const logger = createLogger('error');
const recorder = new UsageRecorder(insertCalls(db.prisma, db.sql, logger), { enabled: true, batchSize: 1000, spill: new SpillStore({ dir, maxBytes: 256 << 20 }, logger) }, logger);
const call = (i: number): CallRecord => ({
  userId: null, provider: 'openai', model: 'gpt-4o-mini', source: 'rest', inputTokens: 20 + (i % 50), outputTokens: 40, costUsd: 0.0001,
  listCostUsd: 0.0001, costEstimated: false, latencyMs: 300 + (i % 700), cached: false, optimized: false, tokensSaved: 0, streamed: false,
  status: 'success', errorCode: null,
});
async function countCalls() {
  const c = new pg.Client({ connectionString: scratch.url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM api_calls')).rows[0]!.n;
  } finally {
    await c.end();
  }
}

try {
  await admin.query(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [scratch.name]);
  const total = RATE * OUTAGE_S;
  console.log(`database down; recording ${total.toLocaleString('en-US')} calls at ${RATE}/s for ${OUTAGE_S} s`);
  const started = performance.now();
  let sent = 0;
  let peakRss = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
      while (sent < due) recorder.record(call(sent++));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const during = recorder.stats();
  console.log(`outage over after ${((performance.now() - started) / 1000).toFixed(1)} s: queued ${during.queued}, spilled ${during.spilled} (${(during.spillBytes / 1048576).toFixed(1)} MiB), dropped ${during.dropped}, peak RSS ${(peakRss / 1048576).toFixed(0)} MiB`);
  await admin.query(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS true`);
  const back = performance.now();
  let n = 0;
  while ((n = await countCalls()) < total && performance.now() - back < 600_000) await new Promise((r) => setTimeout(r, 500));
  const after = recorder.stats();
  console.log(`database back: ${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} stored ${((performance.now() - back) / 1000).toFixed(1)} s later; dropped ${after.dropped} ${JSON.stringify(after.droppedByReason)}, replayed ${after.replayed}, spill bytes left ${after.spillBytes}`);
} finally {
  await recorder.close(2_000);
  await db.close();
  await admin.query(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS true`).catch(() => {});
  await admin.end();
  await scratch.drop();
  rmSync(dir, { recursive: true, force: true });
}
