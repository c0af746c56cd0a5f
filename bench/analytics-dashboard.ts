// Times the analytics queries on a large api_calls table.
//
//   npx tsx bench/analytics-dashboard.ts [--backend postgres|pglite] [--rows N] [--users 20] [--runs 7] [--raw]
//
// --rows defaults to the issue's targets: 10,000,000 on postgres, 1,000,000 on pglite.
// postgres: creates a database of its own next to TEST_PG_ADMIN_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres, trust auth) and drops it at the
// end; pglite: an in-memory embedded database. Migrations are applied as the
// gateway applies them; `users` users are created and the calls generated in SQL
// (generate_series) over the last 90 days, 70% of them with a user, in chunks of a
// million rows, as a bulk load: foreign keys and the rollup trigger off, indexes built
// at the end; the rollups are then filled from the raw rows with one grouped INSERT each
// (the same sums the trigger keeps). Then each
// query runs once to warm up and `runs` times timed. Prints a table of medians and
// writes them to bench/results/analytics-dashboard.json (one entry per backend).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AnalyticsQueries } from '../src/analytics/queries.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { loadPriceTable, Pricing } from '../src/pricing/pricing.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    backend: { type: 'string', default: 'postgres' },
    users: { type: 'string', default: '20' },
    runs: { type: 'string', default: '7' },
    // Also time the raw-table scans the analytics ran before the rollups (the "before" figures).
    raw: { type: 'boolean', default: false },
  },
});
const backend = values.backend as 'postgres' | 'pglite';
const rows = Number(values.rows ?? (backend === 'pglite' ? 1_000_000 : 10_000_000));
const users = Number(values.users);
const runs = Number(values.runs);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
if (!Number.isInteger(users) || users < 1) throw new Error('--users must be a positive integer');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (backend !== 'postgres' && backend !== 'pglite') throw new Error('--backend must be postgres or pglite');

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const CHUNK = 1_000_000;

const SEED_USERS = `
INSERT INTO users (id, username, password_hash)
SELECT gen_random_uuid(), 'bench-user-' || i, 'x' FROM generate_series(1, $1::int) AS i`;

// Six providers in turn; 40% cache hits, 30% optimized, 20% streamed, 2% errors, 1% unknown price;
// 70% of calls by one of the users, four sources. $1: rows in this chunk.
const SEED = `
WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE username LIKE 'bench-user-%')
INSERT INTO api_calls (id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd,
                       latency_ms, cached, optimized, tokens_saved, streamed, status, error_code)
SELECT md5(random()::text || i)::uuid, now() - r1 * interval '90 days',
       CASE WHEN r6 < 0.7 THEN (SELECT ids[1 + (r6 * 1e6)::int % array_length(ids, 1)] FROM u) END,
       (ARRAY['openai','anthropic','gemini','cohere','ollama','local'])[1 + i % 6],
       (ARRAY['gpt-4o','claude-3-haiku','gemini-2.0-flash','command-r','llama3','local-sim'])[1 + i % 6],
       (ARRAY['rest','graphql','stream','batch'])[1 + (r6 * 1e3)::int % 4],
       input_tokens, output_tokens,
       CASE WHEN r2 < 0.01 THEN NULL WHEN cached OR failed THEN 0 ELSE cost END,
       CASE WHEN r2 < 0.01 THEN NULL WHEN failed THEN 0 ELSE cost END,
       CASE WHEN cached THEN 1 + (r3 * 5)::int ELSE 200 + (r3 * 3000)::int END,
       cached, r4 < 0.3, CASE WHEN r4 < 0.3 THEN (input_tokens * 0.2)::int ELSE 0 END,
       r5 < 0.2,
       CASE WHEN failed THEN 'error' ELSE 'success' END,
       CASE WHEN failed THEN 'PROVIDER_TIMEOUT' END
FROM (
  SELECT i, r1, r2, r3, r4, r5, r6, input_tokens, output_tokens,
         (input_tokens * 2.5 + output_tokens * 10) / 1e6 AS cost,
         r2 >= 0.01 AND r2 < 0.41 AS cached,
         r2 >= 0.98 AS failed
  FROM (
    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
           50 + (random() * 950)::int AS input_tokens, 20 + (random() * 780)::int AS output_tokens
    FROM generate_series(1, $1::int) AS i
  ) g
) s`;

// The rollups from the raw rows: the sums api_calls_roll_up() keeps (see its migration).
const MEASURES = `count(*), count(*) FILTER (WHERE optimized), count(*) FILTER (WHERE streamed), count(*) FILTER (WHERE cost_usd IS NULL),
  sum(input_tokens), sum(output_tokens), sum(tokens_saved), coalesce(sum(cost_usd), 0), coalesce(sum(list_cost_usd), 0), sum(latency_ms)`;
const MEASURE_COLUMNS = 'calls, optimized_calls, streamed_calls, unknown_cost_calls, input_tokens, output_tokens, tokens_saved, cost_usd, list_cost_usd, latency_ms';
const DAY = "(created_at AT TIME ZONE 'UTC')::date";
const RAW_OVERVIEW = `
SELECT provider, model, count(*)::int, count(*) FILTER (WHERE status = 'error')::int, count(*) FILTER (WHERE cached)::int,
  count(*) FILTER (WHERE optimized)::int, count(*) FILTER (WHERE streamed)::int, count(*) FILTER (WHERE cost_usd IS NULL)::int,
  coalesce(sum(input_tokens + output_tokens) FILTER (WHERE NOT cached), 0)::float8, coalesce(sum(cost_usd), 0)::float8,
  coalesce(sum(list_cost_usd) FILTER (WHERE cached), 0)::float8, coalesce(sum(tokens_saved) FILTER (WHERE status = 'success'), 0)::float8,
  coalesce(sum(latency_ms), 0)::float8
FROM api_calls GROUP BY provider, model`;
const RAW_TRENDS = `SELECT (created_at AT TIME ZONE 'UTC')::date AS day, sum(cost_usd) FROM api_calls WHERE created_at >= $1 GROUP BY 1`;

const ROLLUPS = [
  `INSERT INTO api_call_daily (day, provider, model, source, cached, status, ${MEASURE_COLUMNS})
   SELECT ${DAY}, provider, model, source, cached, status, ${MEASURES} FROM api_calls GROUP BY 1, 2, 3, 4, 5, 6`,
  `INSERT INTO api_call_user_daily (user_id, day, provider, model, source, cached, status, ${MEASURE_COLUMNS})
   SELECT user_id, ${DAY}, provider, model, source, cached, status, ${MEASURES} FROM api_calls WHERE user_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  `INSERT INTO api_call_latency_daily (day, provider, bucket, calls)
   SELECT ${DAY}, provider, api_call_latency_bucket(latency_ms), count(*) FROM api_calls GROUP BY 1, 2, 3`,
  `INSERT INTO api_call_user_latency_daily (user_id, day, provider, bucket, calls)
   SELECT user_id, ${DAY}, provider, api_call_latency_bucket(latency_ms), count(*) FROM api_calls WHERE user_id IS NOT NULL GROUP BY 1, 2, 3, 4`,
];

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
  console.log(`seeding ${rows.toLocaleString('en-US')} calls by ${users} users into ${db.backend}...`);
  const seedStart = performance.now();
  await db.sql.withSession(async (session) => {
    await session.query(SEED_USERS, [users]);
    // Bulk load: no per-row foreign-key checks or triggers (replica mode skips both), and the
    // indexes built once at the end rather than row by row.
    await session.query('SET session_replication_role = replica');
    const indexes = await session.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'api_calls' AND indexname <> 'api_calls_pkey'`,
    );
    for (const i of indexes) await session.query(`DROP INDEX "${i.indexname}"`);
    await session.query('ALTER TABLE api_calls DROP CONSTRAINT api_calls_pkey');
    for (let done = 0; done < rows; done += CHUNK) {
      await session.query(SEED, [Math.min(CHUNK, rows - done)]);
      process.stdout.write(`  ${Math.min(done + CHUNK, rows).toLocaleString('en-US')} rows\r`);
    }
    await session.query('ALTER TABLE api_calls ADD CONSTRAINT api_calls_pkey PRIMARY KEY (id)');
    for (const i of indexes) await session.query(i.indexdef);
    for (const sql of ROLLUPS) await session.query(sql);
    await session.query('SET session_replication_role = DEFAULT');
  });
  // The steady state autovacuum reaches on insert-only tables.
  for (const t of ['api_calls', 'api_call_daily', 'api_call_user_daily', 'api_call_latency_daily', 'api_call_user_latency_daily']) await db.sql.query(`VACUUM ANALYZE ${t}`);
  const seedMs = performance.now() - seedStart;
  const sizes = await db.sql.query<{ t: string; n: number }>(
    `SELECT 'api_call_daily' AS t, count(*)::int AS n FROM api_call_daily UNION ALL SELECT 'api_call_user_daily', count(*)::int FROM api_call_user_daily
     UNION ALL SELECT 'api_call_latency_daily', count(*)::int FROM api_call_latency_daily UNION ALL SELECT 'api_call_user_latency_daily', count(*)::int FROM api_call_user_latency_daily`,
  );
  console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s; rollup rows: ${sizes.map((r) => `${r.t} ${r.n.toLocaleString('en-US')}`).join(', ')}`);
  const [someUser] = await db.sql.query<{ id: string }>(`SELECT id FROM users WHERE username = 'bench-user-1'`);
  const userId = someUser!.id;

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
    ['dashboard, one user', () => q.dashboard({ userId })],
    ['summary, one user, last 30 days', () => q.summary({ userId, days: 30 })],
    ['trends, one user (30 days)', () => q.trends(30, { userId })],
    ['performance, one user', () => q.performance({ userId })],
    ['performance, last 7 days', () => q.performance({ days: 7 })],
    ['budget check (cost today)', () => q.costOnDay(new Date())],
    ['export, first 1000 rows', async () => (await q.exportCalls({ includeCosts: true, limit: 1000 }).next()).value],
  ];
  if (values.raw) {
    // What summary/dashboard, trends and performance ran over api_calls before the rollups.
    const since = (days: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - (days - 1) * 86_400_000);
    cases.push(
      ['before: summary (grouped scan of api_calls)', () => db.sql.query(RAW_OVERVIEW)],
      ['before: summary, one user', () => db.sql.query(`${RAW_OVERVIEW.replace('GROUP BY', 'WHERE user_id = $1 GROUP BY')}`, [userId])],
      ['before: trends (30 days)', () => db.sql.query(RAW_TRENDS, [since(30)])],
      ['before: percentiles (percentile_cont)', () => db.sql.query(`SELECT percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY latency_ms) FROM api_calls`)],
    );
  }

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
      [db.backend]: { rows, users, runs, seed_seconds: round(seedMs / 1000), node: process.version, date: new Date().toISOString(), results },
    },
  };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/analytics-dashboard.json');
} finally {
  await drop();
}
