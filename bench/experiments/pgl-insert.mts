import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
const conf = process.argv[2] ?? 'shared_buffers=16MB';
const mem = process.argv[3] === 'mem';
const db = mem ? await PGlite.create({ postgresqlconf: conf }) : await PGlite.create(mkdtempSync(path.join(tmpdir(), 'pgl-')), { postgresqlconf: conf });
const dir = 'prisma/migrations/' + readdirSync('prisma/migrations').find((d) => d.startsWith('2026'));
await db.exec(readFileSync(dir + '/migration.sql', 'utf8'));
const row = () => ({ id: randomUUID(), created_at: new Date().toISOString(), user_id: null, provider: 'openai', model: 'gpt-4o-mini', source: 'rest', input_tokens: 20, output_tokens: 20, cost_usd: 0.0001, list_cost_usd: 0.0001, cost_estimated: false, latency_ms: 1.2, cached: false, optimized: false, tokens_saved: 0, streamed: false, status: 'success', error_code: null });
const sql = `INSERT INTO api_calls (id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code)
SELECT id, created_at, user_id, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status, error_code FROM json_populate_recordset(NULL::api_calls, $1::json) ON CONFLICT (id) DO NOTHING`;
for (let r = 0; r < 3; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 40; i++) await db.query(sql, [JSON.stringify(Array.from({ length: 250 }, row))]);
  const c = process.cpuUsage(c0);
  console.log(conf, mem ? 'mem' : 'disk', 'µs/row wall', ((performance.now() - t0) * 1000 / 10000).toFixed(1), 'cpu', ((c.user + c.system) / 10000).toFixed(1));
}
