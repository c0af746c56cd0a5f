// What one usage row costs to insert into the embedded database (PGlite), in batches of
// 250 like src/analytics/insert-calls.ts, with the project's migration applied. From the
// repository root:
//   node --import tsx bench/experiments/pgl-insert.mts '<postgresql.conf lines>' [disk|mem] [idx|noidx|noop] [json|unnest|copy]
// e.g. 'shared_buffers=16MB' disk idx json (what the gateway does), ... copy (COPY FROM a blob),
// $'shared_buffers=16MB\nsynchronous_commit=off' disk idx json. Prints µs per row, 3 rounds of 10,000 rows.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
const conf = process.argv[2] ?? 'shared_buffers=16MB';
const mem = process.argv[3] === 'mem';
const dir0 = mem ? null : mkdtempSync(path.join(tmpdir(), 'pgl-'));
const db = dir0 ? await PGlite.create(dir0, { postgresqlconf: conf }) : await PGlite.create({ postgresqlconf: conf });
const dir = 'prisma/migrations/' + readdirSync('prisma/migrations').find((d) => d.startsWith('2026'));
await db.exec(readFileSync(dir + '/migration.sql', 'utf8'));
if (process.argv[4] === 'noidx') await db.exec('DROP INDEX api_calls_created_at_idx; DROP INDEX api_calls_provider_created_at_idx; DROP INDEX api_calls_user_id_created_at_idx;');
if (process.argv[4] === 'noop') { const t0 = performance.now(); for (let i = 0; i < 400; i++) await db.query('SELECT 1'); console.log('SELECT 1 µs', ((performance.now() - t0) * 1000 / 400).toFixed(0)); }
const row = () => ({ id: randomUUID(), created_at: new Date().toISOString(), user_id: null, provider: 'openai', model: 'gpt-4o-mini', source: 'rest', input_tokens: 20, output_tokens: 20, cost_usd: 0.0001, list_cost_usd: 0.0001, cost_estimated: false, latency_ms: 12, cached: false, optimized: false, tokens_saved: 0, streamed: false, status: 'success', error_code: null });
const sql = `INSERT INTO api_calls (id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code)
SELECT id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code FROM json_populate_recordset(NULL::api_calls, $1::json) ON CONFLICT (id) DO NOTHING`;
const cols = ['id','created_at','user_id','provider','model','source','input_tokens','output_tokens','cost_usd','list_cost_usd','cost_estimated','latency_ms','cached','optimized','tokens_saved','streamed','status','error_code'];
const types = ['uuid','timestamptz','uuid','text','text','text','int','int','float8','float8','bool','int','bool','bool','int','bool','text','text'];
const usql = `INSERT INTO api_calls (${cols.join(',')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(',')}) ON CONFLICT (id) DO NOTHING`;
if (process.argv[5] === 'copy') for (let r = 0; r < 3; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 40; i++) {
    const rows = Array.from({ length: 250 }, row);
    const csv = rows.map((x) => cols.map((c) => { const v = (x as any)[c]; return v === null ? '' : String(v); }).join(',')).join('\n');
    await db.query(`COPY api_calls (${cols.join(',')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
  }
  const c = process.cpuUsage(c0);
  console.log('copy µs/row wall', ((performance.now() - t0) * 1000 / 10000).toFixed(1), 'cpu', ((c.user + c.system) / 10000).toFixed(1));
}
else if (process.argv[5] === 'unnest') for (let r = 0; r < 3; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 40; i++) { const rows = Array.from({ length: 250 }, row); await db.query(usql, cols.map((c) => rows.map((x) => (x as any)[c]))); }
  const c = process.cpuUsage(c0);
  console.log('unnest µs/row wall', ((performance.now() - t0) * 1000 / 10000).toFixed(1), 'cpu', ((c.user + c.system) / 10000).toFixed(1));
}
else for (let r = 0; r < 3; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 40; i++) await db.query(sql, [JSON.stringify(Array.from({ length: 250 }, row))]);
  const c = process.cpuUsage(c0);
  console.log(conf, mem ? 'mem' : 'disk', 'µs/row wall', ((performance.now() - t0) * 1000 / 10000).toFixed(1), 'cpu', ((c.user + c.system) / 10000).toFixed(1));
}
await db.close();
if (dir0) rmSync(dir0, { recursive: true, force: true });
