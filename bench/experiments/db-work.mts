// What the embedded database does on the gateway's event loop under a fixed load (issue 26,
// point 3): the default configuration (embedded PGlite, analytics on, cache on, every prompt
// unique, REST) gets a fixed number of requests over a few connections; a preload
// (db-work-probe.mjs) times every synchronous run of PGlite (the wasm call with its file
// writes) and every syncToFs, labelled by statement, and bench/lib/probe.mjs records the
// event-loop blocks over 40 ms. Prints, per kind of statement: count, per request, median,
// p99 and max ms, total ms; the recorder's batches (rows, ms); and which statements ran
// inside each block. Deterministic in what is sent (count, prompts), not in timing.
//   node --import tsx bench/experiments/db-work.mts [--root <checkout>] [--requests 8000] [--connections 8]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildRequest, closedLoop, UniqueRequests } from '../lib/http-load.js';
import { auth, PROMPT, restBody } from '../lib/payloads.js';
import { ROOT } from '../lib/proc.js';
import { mockProviderEnv, startGateway } from '../lib/servers.js';
import { startUpstream } from '../lib/upstream.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, requests: { type: 'string' }, connections: { type: 'string' } } });
const requests = Number(values.requests ?? 8000);
const connections = Number(values.connections ?? 8);
const root = values.root ? path.resolve(values.root) : ROOT;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'db-work-'));
const workFile = path.join(tmp, 'work.json');
const probeFile = path.join(tmp, 'probe.json');

const upstream = await startUpstream();
const gw = await startGateway({
  root,
  nodeFlags: ['--import', path.join(ROOT, 'bench/experiments/db-work-probe.mjs'), '--import', path.join(ROOT, 'bench/lib/probe.mjs')],
  env: { ...mockProviderEnv(upstream), DB_WORK_FILE: workFile, BENCH_PROBE_FILE: probeFile },
});
const token = await gw.token();
/** CPU seconds of each of the gateway's threads (utime + stime from /proc), by thread name and id. */
const threadCpu = (pid: number) => {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = Number(tid) === pid ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(`${name} ${tid}`, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended
    }
  }
  return out;
};
const cpu0 = threadCpu(gw.proc.pid!);
const headers = auth(token);
const source = new UniqueRequests((p) => buildRequest('POST', `${gw.url}/api/ai/openai`, headers, restBody(p)), PROMPT).next;
// The load's window on the gateway's clock (performance.now() there starts at its spawn).
const from = performance.now() - gw.proc.spawnedAt;
const t0 = performance.now();
const r = await closedLoop({ url: gw.url, requests: source, connections, durationMs: 120_000, maxRequests: requests });
const loadSeconds = (performance.now() - t0) / 1000;
const cpu1 = threadCpu(gw.proc.pid!);
// Let the last batch be written.
await new Promise((res) => setTimeout(res, 1_000));
const to = performance.now() - gw.proc.spawnedAt;
await gw.stop();
await upstream.stop();

type Op = [label: string, startMs: number, ms: number];
const work = JSON.parse(readFileSync(workFile, 'utf8')) as { thread: string; ops: Op[] };
// On the gateway's thread the load's window is known; a worker thread's clock starts later: all its runs.
const ops = work.thread === 'main' ? work.ops.filter(([, t]) => t >= from - 50 && t <= to) : work.ops;
const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { blocks: [number, number][]; seconds: { p99: number; max: number }[] };
rmSync(tmp, { recursive: true, force: true });

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const kind = (label: string) => label.replace(/'[^']*'/g, "'…'").replace(/\$\d+/g, '$n').slice(0, 60);
const byKind = new Map<string, number[]>();
for (const [label, , ms] of ops) {
  const k = kind(label);
  if (!byKind.has(k)) byKind.set(k, []);
  byKind.get(k)!.push(ms);
}
console.log(`${r.completed + r.errors} requests (${r.errors} errors), ${connections} connections, ${(requests / loadSeconds).toFixed(0)} req/s, p50 ${r.latency.p50.toFixed(1)} p99 ${r.latency.p99.toFixed(1)} ms; checkout ${root}`);
console.log(`\nsynchronous PGlite runs (execProtocolRawSync) and syncToFs on the ${work.thread === 'main' ? "gateway's event loop, during the load" : "database's own thread, start-up included"}:`);
console.log('kind'.padEnd(62), 'count'.padStart(6), '/req'.padStart(7), 'median'.padStart(7), 'p99'.padStart(7), 'max'.padStart(7), 'total'.padStart(8));
for (const [k, xs] of [...byKind].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))) {
  const total = xs.reduce((a, b) => a + b, 0);
  console.log(k.padEnd(62), String(xs.length).padStart(6), (xs.length / requests).toFixed(4).padStart(7), pct(xs, 0.5).toFixed(2).padStart(7), pct(xs, 0.99).toFixed(2).padStart(7), Math.max(...xs).toFixed(2).padStart(7), total.toFixed(0).padStart(8));
}
// Threads by what they are: the main thread; the one that used most CPU besides (the database's
// own thread when there is one); everything else (GC helpers, the libuv pool, the compiler).
const used = [...cpu1].map(([k, v]) => [k, v - (cpu0.get(k) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
const mainCpu = used.find(([k]) => k.startsWith('main '))?.[1] ?? 0;
const others = used.filter(([k]) => !k.startsWith('main '));
const perReq = (sec: number) => ((sec * 1e6) / requests).toFixed(0);
console.log(`\nCPU per request (µs): main thread ${perReq(mainCpu)}, busiest other thread (${others[0]?.[0] ?? '-'}) ${perReq(others[0]?.[1] ?? 0)}, all others ${perReq(others.slice(1).reduce((a, [, v]) => a + v, 0))}, process ${perReq(used.reduce((a, [, v]) => a + v, 0))}`);
console.log(`  by thread (µs/request): ${used.filter(([, v]) => v > 0).map(([k, v]) => `${k} ${perReq(v)}`).join(', ')}`);
const copies = ops.filter(([l]) => l.startsWith('COPY') && l.endsWith('[E]'));
if (copies.length) console.log(`\nrecorder batches (COPY): ${copies.length} for ${requests} calls, ~${(requests / copies.length).toFixed(0)} rows each; ms median ${pct(copies.map((c) => c[2]), 0.5).toFixed(1)}, max ${Math.max(...copies.map((c) => c[2])).toFixed(1)}`);
// The probe's clock is process.hrtime (µs); ops are on the gateway's performance.now(): its
// seconds are matched by count from the end (the last seconds are the load's and the wait after).
const loadSecondsP99 = probe.seconds.slice(-Math.ceil(loadSeconds + 1)).map((s) => s.p99).sort((a, b) => a - b);
const longest = probe.blocks.map(([a, b]) => (b - a) / 1000).sort((a, b) => b - a);
console.log(`\nevent-loop blocks over 40 ms in the process's life (start-up included): ${longest.length}, longest ${longest.slice(0, 5).map((x) => x.toFixed(0)).join(', ')} ms; per-second delay p99 over the load: median ${loadSecondsP99[loadSecondsP99.length >> 1]?.toFixed(1)} max ${loadSecondsP99.at(-1)?.toFixed(1)} ms`);
const longOps = ops.filter(([, , ms]) => ms > 10).sort((a, b) => b[2] - a[2]).slice(0, 15);
console.log('\nthe longest single PGlite runs (> 10 ms):');
for (const [l, t, ms] of longOps) console.log(`  ${ms.toFixed(1).padStart(6)} ms at ${((t - (work.thread === "main" ? from : 0)) / 1000).toFixed(2)} s  ${l}`);
