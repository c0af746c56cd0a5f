// A/B of two checkouts in one interleaved run at 1 connection: added p50 and p99 of the
// REST and GraphQL completion paths (cache off) and of a REST cache hit (memory store),
// against the zero-latency mock, with Portkey beside them. Machine drift between
// separate runs on this VM is larger than most changes; interleaving cancels it.
//   node --import tsx bench/experiments/ab-latency.mts --base <checkout> [--rounds 7] [--ms 1500]
// <checkout> needs node_modules and src/generated (a symlink to this one's node_modules
// and a copy of its src/generated do).
import path from 'node:path';
import { benchArgs, numberArg } from '../lib/args.js';
import { directRequest, graphqlIsError, graphqlRequest, portkeyRequest, restRequest } from '../lib/payloads.js';
import { pinSelf, stopAll } from '../lib/proc.js';
import { mockProviderEnv, startGateway, startMock, startPortkey, type Gateway } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { interleavedRounds, verify, type Target } from '../lib/suite.js';
import { printTable } from '../lib/table.js';

pinSelf();
const args = benchArgs({ base: { type: 'string' }, rounds: { type: 'string' }, ms: { type: 'string' } });
const base = args.values.base;
if (typeof base !== 'string' || !base) throw new Error('--base <checkout> is required');
const rounds = numberArg(args, 'rounds', 7);
const ms = numberArg(args, 'ms', 1500);

const mock = await startMock({ latencyMs: 0 });
const env = mockProviderEnv(mock);
const gateways: [string, Gateway][] = [
  ['base', await startGateway({ name: 'gateway (base)', env, root: path.resolve(base) })],
  ['this', await startGateway({ name: 'gateway (this checkout)', env })],
];
const pk = await startPortkey();
const targets: Target[] = [{ id: 'direct', label: 'mock directly', url: mock.url, requests: [directRequest(mock)] }];
const hitPrompt = 'A/B cache hit prompt';
for (const [id, gw] of gateways) {
  const token = await gw.token();
  targets.push(
    { id: `${id}-rest`, label: `${id}: REST`, url: gw.url, requests: [restRequest(gw, token, undefined, { no_cache: true })] },
    { id: `${id}-graphql`, label: `${id}: GraphQL`, url: gw.url, requests: [graphqlRequest(gw, token, undefined, { cache: { read: false, write: false } })], isError: graphqlIsError },
    { id: `${id}-hit`, label: `${id}: REST cache hit`, url: gw.url, requests: [restRequest(gw, token, hitPrompt)] },
  );
}
targets.push({ id: 'portkey', label: 'Portkey', url: pk.url, requests: [portkeyRequest(pk, mock)] });
for (const t of targets) await verify(t, t.id.endsWith('-hit') ? '' : 'Mock openai answer');
await interleavedRounds(targets, { rounds: 2, connections: 8, durationMs: 1500, warmupMs: 0 });
const lat = await interleavedRounds(targets, { rounds, connections: 1, durationMs: ms, warmupMs: 200 });
const added = (id: string, q: 'p50' | 'p99') => median(lat[id]!.map((r, i) => r.latency[q] - lat.direct![i]!.latency[q]));
const portkey = added('portkey', 'p50');
printTable(
  `added latency at 1 connection, ms (median of ${rounds} interleaved rounds)`,
  ['target', 'added p50', 'added p99', 'p50 x Portkey'],
  targets.filter((t) => t.id !== 'direct').map((t) => [t.label, added(t.id, 'p50').toFixed(3), added(t.id, 'p99').toFixed(3), (added(t.id, 'p50') / portkey).toFixed(2)]),
);
await stopAll();
