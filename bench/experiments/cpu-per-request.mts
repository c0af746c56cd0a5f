// CPU time the server spends per request at 1 connection and at 16, against the same mock:
// is the latency at 1 connection work, or waiting? (gateway REST, gateway GraphQL, Portkey,
// the minimal proxy). Servers on core 0, mock and load on core 1, as in bench/overhead.ts.
//   node --import tsx bench/experiments/cpu-per-request.mts [--ms 4000]
import { closedLoop } from '../lib/http-load.js';
import { directRequest, graphqlRequest, portkeyRequest, restRequest } from '../lib/payloads.js';
import { readFileSync, readdirSync } from 'node:fs';
import { cpuSeconds, pinSelf, stopAll } from '../lib/proc.js';
import { mockProviderEnv, startFloorProxy, startGateway, startMock, startPortkey } from '../lib/servers.js';

pinSelf();
/** Per thread name: [user, system] CPU seconds. */
function threads(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const prev = out.get(name) ?? [0, 0];
      out.set(name, [prev[0] + Number(f[11]) / 100, prev[1] + Number(f[12]) / 100]);
    } catch {
      // thread gone
    }
  }
  return out;
}
function threadDelta(a: Map<string, [number, number]>, b: Map<string, [number, number]>, n: number): string {
  return [...b].map(([k, [u, s]]) => {
    const [u0, s0] = a.get(k) ?? [0, 0];
    return [k, ((u - u0) * 1e6) / n, ((s - s0) * 1e6) / n] as const;
  }).filter(([, u, s]) => u + s > 5).map(([k, u, s]) => `${k}: user ${u.toFixed(0)} sys ${s.toFixed(0)} µs`).join(', ');
}
const msAt = process.argv.indexOf('--ms');
const ms = msAt > 0 ? Number(process.argv[msAt + 1]) : 4000;
const mock = await startMock({ latencyMs: 0 });
const gw = await startGateway({ env: { ...mockProviderEnv(mock), ENABLE_CACHING: 'false' } });
const pk = await startPortkey();
const floor = await startFloorProxy(mock);
const token = await gw.token();
const targets = [
  { name: 'gateway REST', pid: gw.proc.pid, url: gw.url, req: restRequest(gw, token) },
  { name: 'gateway GraphQL', pid: gw.proc.pid, url: gw.url, req: graphqlRequest(gw, token) },
  { name: 'Portkey', pid: pk.proc.pid, url: pk.url, req: portkeyRequest(pk, mock) },
  { name: 'minimal proxy', pid: floor.proc.pid, url: floor.url, req: directRequest(floor) },
];
for (const t of targets) await closedLoop({ url: t.url, requests: [t.req], connections: 8, durationMs: 1500 });
for (const c of [1, 16]) {
  for (const t of targets) {
    const cpu0 = cpuSeconds(t.pid);
    const th0 = threads(t.pid);
    const r = await closedLoop({ url: t.url, requests: [t.req], connections: c, durationMs: ms });
    const cpuMs = (cpuSeconds(t.pid) - cpu0) * 1000;
    console.log(`   ${threadDelta(th0, threads(t.pid), r.completed)}`);
    console.log(`${t.name.padEnd(16)} c=${String(c).padStart(2)}  ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.latency.p50.toFixed(3)} ms  CPU per request ${(cpuMs / r.completed).toFixed(3)} ms  busy ${((cpuMs / ms) * 100).toFixed(0)}%`);
  }
}
await stopAll();
