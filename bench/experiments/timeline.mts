// Where one request's time goes at 1 connection, phase by phase, in the gateway (REST and
// GraphQL completion, cache off), in the same gateway with the OpenAI SDK's call replaced by
// one POST (openai-call-preload.mjs), and in the minimal proxy with the same HTTP client
// (floor-undici.mjs). Phases come from diagnostics channels (timeline-preload.mjs); each
// is the median over requests within a round, then the median over interleaved rounds.
// Not part of npm run bench.
//   node --import tsx bench/experiments/timeline.mts [--rounds 3] [--ms 3000]
import { pathToFileURL } from 'node:url';
import { benchArgs, numberArg } from '../lib/args.js';
import path from 'node:path';
import { closedLoop, type LoadOptions } from '../lib/http-load.js';
import { directRequest, graphqlIsError, graphqlRequest, restRequest } from '../lib/payloads.js';
import { freePort, pinSelf, ROOT, SERVER_CPU, spawnNode, stopAll, waitForHttp, baseEnv, type Managed } from '../lib/proc.js';
import { mockProviderEnv, startGateway, startMock } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { printTable } from '../lib/table.js';

pinSelf();
const args = benchArgs({ rounds: { type: 'string' }, ms: { type: 'string' } });
const rounds = numberArg(args, 'rounds', 3);
const ms = numberArg(args, 'ms', 3000);
const here = (file: string) => pathToFileURL(path.join(ROOT, 'bench', 'experiments', file)).href;
const preload = ['--import', here('timeline-preload.mjs')];

const mock = await startMock({ latencyMs: 0 });
const env = { ...mockProviderEnv(mock), ENABLE_CACHING: 'false' };
const sdk = await startGateway({ name: 'gateway (SDK)', env, nodeFlags: preload });
const onePost = await startGateway({ name: 'gateway (one POST)', env, nodeFlags: [...preload, '--import', here('openai-call-preload.mjs')] });
const floorPort = await freePort();
const floor = spawnNode({
  name: 'floor (undici)',
  args: [...preload, path.join(ROOT, 'bench', 'experiments', 'floor-undici.mjs'), '--port', String(floorPort), '--upstream', mock.url],
  env: { ...baseEnv(), NODE_ENV: 'production' },
  cpu: SERVER_CPU,
});
const floorUrl = `http://127.0.0.1:${floorPort}`;
await waitForHttp(`${floorUrl}/health`, floor, { ok: () => true });

interface Target { label: string; proc: Managed; load: Omit<LoadOptions, 'connections' | 'durationMs'> }
const [tSdk, tPost] = [await sdk.token(), await onePost.token()];
const targets: Target[] = [
  { label: 'gateway REST', proc: sdk.proc, load: { url: sdk.url, requests: [restRequest(sdk, tSdk)] } },
  { label: 'gateway GraphQL', proc: sdk.proc, load: { url: sdk.url, requests: [graphqlRequest(sdk, tSdk)], isError: graphqlIsError } },
  { label: 'gateway REST, one POST', proc: onePost.proc, load: { url: onePost.url, requests: [restRequest(onePost, tPost)] } },
  { label: 'minimal proxy (undici)', proc: floor, load: { url: floorUrl, requests: [directRequest({ openai: `${floorUrl}${new URL(mock.openai).pathname}` })] } },
];

/** The next TIMELINE line a process prints after SIGUSR2. */
function dump(proc: Managed): Promise<{ requests: number; phases: Record<string, number | null> }> {
  return new Promise((resolve) => {
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('TIMELINE '));
      if (!line) return;
      proc.child.stderr!.off('data', onData);
      resolve(JSON.parse(line.slice('TIMELINE '.length)));
    };
    proc.child.stderr!.on('data', onData);
    process.kill(proc.pid, 'SIGUSR2');
  });
}

const results = new Map<string, { p50: number[]; phases: Record<string, number[]> }>();
for (let round = 1; round <= rounds; round++) {
  for (const t of targets) {
    await closedLoop({ ...t.load, connections: 1, durationMs: 500 });
    await dump(t.proc); // drop the warm-up
    const r = await closedLoop({ ...t.load, connections: 1, durationMs: ms });
    const d = await dump(t.proc);
    const entry = results.get(t.label) ?? { p50: [], phases: {} };
    entry.p50.push(r.latency.p50 * 1000);
    for (const [phase, us] of Object.entries(d.phases)) if (us !== null) (entry.phases[phase] ??= []).push(us);
    results.set(t.label, entry);
    console.log(`  round ${round} ${t.label.padEnd(24)} p50 ${(r.latency.p50 * 1000).toFixed(0)} µs, ${d.requests} requests, errors ${r.errors}`);
  }
}
const phases = [...new Set([...results.values()].flatMap((e) => Object.keys(e.phases)))];
printTable(
  `one request at 1 connection, µs (median of ${rounds} interleaved rounds of ${ms} ms)`,
  ['phase', ...targets.map((t) => t.label)],
  [
    ...phases.map((p) => [p, ...targets.map((t) => { const v = results.get(t.label)!.phases[p]; return v?.length ? median(v).toFixed(1) : '–'; })]),
    ['client p50 (round trip)', ...targets.map((t) => median(results.get(t.label)!.p50).toFixed(1))],
  ],
);
await stopAll();
