// Times the analytics queries on a large api_calls table.
//
//   npx tsx bench/analytics-dashboard.ts [--rows 1000000] [--backend postgres|pglite] [--runs 7]
//
// postgres: creates a database of its own next to TEST_PG_ADMIN_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres, trust auth) and drops it at the
// end; pglite: an in-memory embedded database. Migrations are applied as the
// gateway applies them, rows are generated in SQL (generate_series) over the
// last 90 days, then each query runs once to warm up and `runs` times timed.
// Prints a table of medians and writes them to bench/results/analytics-dashboard.json
// (one entry per backend).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AnalyticsQueries } from '../src/analytics/queries.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { loadPriceTable, Pricing } from '../src/pricing/pricing.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    backend: { type: 'string', default: 'postgres' },
    runs: { type: 'string', default: '7' },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const backend = values.backend as 'postgres' | 'pglite';
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (backend !== 'postgres' && backend !== 'pglite') throw new Error('--backend must be postgres or pglite');

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

// Six providers in turn; 40% cache hits, 30% optimized, 20% streamed, 2% errors, 1% unknown price.
const SEED = `
INSERT INTO api_calls (id, created_at, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd,
                       latency_ms, cached, optimized, tokens_saved, streamed, status, error_code)
SELECT gen_random_uuid(), now() - r1 * interval '90 days',
       (ARRAY['openai','anthropic','gemini','cohere','ollama','local'])[1 + i % 6],
       (ARRAY['gpt-4o','claude-3-haiku','gemini-2.0-flash','command-r','llama3','local-sim'])[1 + i % 6],
       'bench',
       input_tokens, output_tokens,
       CASE WHEN r2 < 0.01 THEN NULL WHEN cached OR failed THEN 0 ELSE cost END,
       CASE WHEN r2 < 0.01 THEN NULL WHEN failed THEN 0 ELSE cost END,
       CASE WHEN cached THEN 1 + (r3 * 5)::int ELSE 200 + (r3 * 3000)::int END,
       cached, r4 < 0.3, CASE WHEN r4 < 0.3 THEN (input_tokens * 0.2)::int ELSE 0 END,
       r5 < 0.2,
       CASE WHEN failed THEN 'error' ELSE 'success' END,
       CASE WHEN failed THEN 'PROVIDER_TIMEOUT' END
FROM (
  SELECT i, r1, r2, r3, r4, r5, input_tokens, output_tokens,
         (input_tokens * 2.5 + output_tokens * 10) / 1e6 AS cost,
         r2 >= 0.01 AND r2 < 0.41 AS cached,
         r2 >= 0.98 AS failed
  FROM (
    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
           50 + (random() * 950)::int AS input_tokens, 20 + (random() * 780)::int AS output_tokens
    FROM generate_series(1, $1::int) AS i
  ) g
) s`;

async function open(): Promise<{ db: Database; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://' });
    return { db, drop: () => db.close() };
  }
  const name = `aigw_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused' });
  return {
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const { db, drop } = await open();
try {
  console.log(`seeding ${rows.toLocaleString('en-US')} calls into ${db.backend}...`);
  const seedStart = performance.now();
  await db.sql.query(SEED, [rows]);
  await db.sql.query('VACUUM ANALYZE api_calls'); // the steady state autovacuum reaches on an insert-only table
  const seedMs = performance.now() - seedStart;
  console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);

  const q = new AnalyticsQueries(db.prisma, new Pricing(loadPriceTable()));
  const cases: [string, () => Promise<unknown>][] = [
    ['dashboard', () => q.dashboard()],
    ['summary', () => q.summary()],
    ['providers', () => q.providerBreakdown()],
    ['trends (30 days)', () => q.trends(30)],
    ['trends (365 days)', () => q.trends(365)],
    ['optimization', () => q.optimization()],
    ['performance (p50/p95)', () => q.performance()],
    ['summary, last 7 days', () => q.summary({ days: 7 })],
    ['summary, one provider', () => q.summary({ provider: 'gemini' })],
    ['budget check (cost today)', () => q.costOnDay(new Date())],
    ['export, first 1000 rows', async () => (await q.exportCalls({ includeCosts: true, limit: 1000 }).next()).value],
  ];

  const results: { query: string; median_ms: number; min_ms: number; max_ms: number }[] = [];
  for (const [name, run] of cases) {
    await run(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    results.push({ query: name, median_ms: round(median(times)), min_ms: round(Math.min(...times)), max_ms: round(Math.max(...times)) });
  }

  const width = Math.max(...results.map((r) => r.query.length));
  console.log(`\n${'query'.padEnd(width)}  median ms     min ms     max ms`);
  for (const r of results) {
    console.log(`${r.query.padEnd(width)}  ${String(r.median_ms).padStart(9)}  ${String(r.min_ms).padStart(9)}  ${String(r.max_ms).padStart(9)}`);
  }

  // One entry per backend: a run replaces its backend's entry and keeps the other's.
  const file = 'bench/results/analytics-dashboard.json';
  mkdirSync('bench/results', { recursive: true });
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { backends?: Record<string, unknown> }) : {};
  const out = {
    benchmark: 'analytics-dashboard',
    backends: {
      ...previous.backends,
      [db.backend]: { rows, runs, seed_seconds: round(seedMs / 1000), node: process.version, date: new Date().toISOString(), results },
    },
  };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/analytics-dashboard.json');
} finally {
  await drop();
}
