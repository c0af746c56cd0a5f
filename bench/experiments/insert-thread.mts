// Does moving the usage inserts off the request thread help when the gateway has one core?
// A trivial HTTP server (one JSON answer per request, ~the work of a cache hit) runs on
// core 0 while 250-row PGlite inserts arrive every 250 ms (1,000 rows/s), either on the
// server's own thread or in a worker thread of the same process (same core). The load
// generator (this script's parent side) runs on core 1. Prints p50/p99 latency at 1 connection.
//   node --import tsx bench/experiments/insert-thread.mts          (runs both modes)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { closedLoop, buildRequest } from '../lib/http-load.js';

const self = fileURLToPath(import.meta.url);
const role = process.argv[2];

const SQL = `INSERT INTO api_calls (id, created_at, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status)
  SELECT id, created_at, provider, model, source, input_tokens, output_tokens, cost_usd, list_cost_usd, cost_estimated, latency_ms, cached, optimized, tokens_saved, streamed, status
  FROM json_populate_recordset(NULL::api_calls, $1::json)`;
// Plain JavaScript: its source is also sent to the worker thread.
const ROW = () => ({ id: randomUUID(), created_at: new Date().toISOString(), provider: 'openai', model: 'gpt-4o-mini', source: 'rest', input_tokens: 20, output_tokens: 20, cost_usd: 0.0001, list_cost_usd: 0.0001, cost_estimated: false, latency_ms: 12, cached: false, optimized: false, tokens_saved: 0, streamed: false, status: 'success' });

async function inserter(): Promise<() => Promise<void>> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { readFileSync, readdirSync } = await import('node:fs');
  const db = await PGlite.create({ postgresqlconf: 'shared_buffers=16MB' });
  const dir = 'prisma/migrations/' + readdirSync('prisma/migrations').find((d) => d.startsWith('2026'));
  await db.exec(readFileSync(dir + '/migration.sql', 'utf8'));
  return async () => {
    await db.query(SQL, [JSON.stringify(Array.from({ length: 250 }, ROW))]);
  };
}

if (role === 'server') {
  const mode = process.argv[3];
  const http = await import('node:http');
  let batch: () => Promise<void>;
  if (mode === 'worker') {
    const { Worker } = await import('node:worker_threads');
    // Plain JavaScript for the worker (tsx's loader is not registered in worker threads here).
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { readFileSync, readdirSync } = require('node:fs');
      const { randomUUID } = require('node:crypto');
      (async () => {
        const { PGlite } = await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))});
        const db = await PGlite.create({ postgresqlconf: 'shared_buffers=16MB' });
        const dir = 'prisma/migrations/' + readdirSync('prisma/migrations').find((d) => d.startsWith('2026'));
        await db.exec(readFileSync(dir + '/migration.sql', 'utf8'));
        const sql = ${JSON.stringify(SQL)};
        const row = ${ROW.toString()};
        parentPort.on('message', async () => {
          await db.query(sql, [JSON.stringify(Array.from({ length: 250 }, row))]);
          parentPort.postMessage('done');
        });
        parentPort.postMessage('ready');
      })();`;
    const w = new Worker(code, { eval: true });
    await new Promise((r) => w.once('message', r));
    batch = () => new Promise((r) => { w.once('message', () => r()); w.postMessage('go'); });
  } else batch = await inserter();
  setInterval(() => void batch(), 250);
  const body = JSON.stringify({ status: 'success', response: 'x'.repeat(200), cached: true });
  http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }).listen(9188, '127.0.0.1', () => console.log('listening'));
} else {
  for (const mode of ['main', 'worker', 'main', 'worker']) {
    const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', self, 'server', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout!.once('data', r));
    await new Promise((r) => setTimeout(r, 1500));
    const r = await closedLoop({ url: 'http://127.0.0.1:9188', requests: [buildRequest('GET', 'http://127.0.0.1:9188/')], connections: 1, durationMs: 5000, warmupMs: 1000 });
    console.log(`inserts on the ${mode.padEnd(6)} thread: p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms, max ${r.latency.max?.toFixed?.(1) ?? '-'} ms, ${Math.round(r.rps)} req/s`);
    child.kill();
    await new Promise((r) => child.once('exit', r));
  }
}
