// Experiment: the gateway's garbage-collection pauses while it answers REST cache hits
// at 1 connection (3 rounds of 3 s after 1.5 s of warm-up), with the latency seen;
// PROBE_MISS=1: completions that skip the cache (each one a call to the mock upstream);
// PROBE_GRAPHQL=1: the GraphQL completion mutation instead of REST.
//   node --import tsx bench/experiments/gc-probe.mts
//   PROBE_FLAGS="--trace-gc-nvp" PROBE_LOGS=1 ...   (V8's own per-collection lines: pause, promoted bytes)
//   PROBE_ANALYTICS=true ...                        (usage records written; default off)
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop } from '../lib/http-load.js';
import { graphqlRequest, restRequest } from '../lib/payloads.js';
import { pinSelf, stopAll } from '../lib/proc.js';
import { mockProviderEnv, startGateway, startMock } from '../lib/servers.js';

pinSelf();
const observer = fileURLToPath(new URL('./gc-observer.mjs', import.meta.url));
const mock = await startMock({ latencyMs: 0 });
const flags = (process.env.PROBE_FLAGS ?? '').split(' ').filter(Boolean);
const gw = await startGateway({ env: { ...mockProviderEnv(mock), ANALYTICS_ENABLED: process.env.PROBE_ANALYTICS ?? 'false' }, nodeFlags: ['--import', observer, ...flags] });
const token = await gw.token();
const prompts = Array.from({ length: 100 }, (_, i) => `Cache benchmark prompt number ${i}: summarise the benefits of response caching.`);
const requests = prompts.map((p) =>
  process.env.PROBE_GRAPHQL
    ? graphqlRequest(gw, token, p, process.env.PROBE_MISS ? { cache: { read: false, write: false } } : {})
    : restRequest(gw, token, p, process.env.PROBE_MISS ? { no_cache: true } : {}),
);
const pauses = async () => {
  process.kill(gw.proc.pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 200));
  return JSON.parse(readFileSync(join(tmpdir(), `aigw-gc-${gw.proc.pid}.json`), 'utf8'));
};
await closedLoop({ url: gw.url, requests, connections: 1, durationMs: 1500 });
await pauses();
for (let i = 0; i < 3; i++) {
  const r = await closedLoop({ url: gw.url, requests, connections: 1, durationMs: 3000 });
  console.log(JSON.stringify({ requests: r.completed, p50Ms: +r.latency.p50.toFixed(3), p99Ms: +r.latency.p99.toFixed(3), gc: await pauses() }));
}
if (process.env.PROBE_LOGS) console.log(gw.proc.logs().split('\n').filter((l) => l.includes('gc=s')).slice(-3).map((l) => l.match(/pause=\S+|promoted=\S+|allocated=\S+/g)?.join(' ')).join('\n'));
await stopAll();
process.exit(0);
