// What the OpenAI SDK's own code adds to the completion path at 1 connection: the gateway
// as it is, against the same gateway whose OpenAI adapter call is one POST through the
// same fetch (bench/experiments/openai-call-preload.mjs), and Portkey, in one interleaved
// run against the zero-latency mock, as bench/overhead.ts measures added latency.
//   node --import tsx bench/experiments/sdk-latency.mts [--rounds 5] [--ms 1500]
import { pathToFileURL } from 'node:url';
import { benchArgs, numberArg } from '../lib/args.js';
import path from 'node:path';
import { directRequest, graphqlIsError, graphqlRequest, portkeyRequest, restRequest } from '../lib/payloads.js';
import { pinSelf, ROOT, stopAll } from '../lib/proc.js';
import { mockProviderEnv, startGateway, startMock, startPortkey } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { interleavedRounds, verify, type Target } from '../lib/suite.js';
import { printTable } from '../lib/table.js';

pinSelf();
const args = benchArgs({ rounds: { type: 'string' }, ms: { type: 'string' } });
const rounds = numberArg(args, 'rounds', 5);
const ms = numberArg(args, 'ms', 1500);
const preload = pathToFileURL(path.join(ROOT, 'bench', 'experiments', 'openai-call-preload.mjs')).href;

const mock = await startMock({ latencyMs: 0 });
const env = { ...mockProviderEnv(mock), ENABLE_CACHING: 'false' };
const sdk = await startGateway({ name: 'gateway (SDK)', env });
const raw = await startGateway({ name: 'gateway (one POST)', env, nodeFlags: ['--import', preload] });
const pk = await startPortkey();
const [tSdk, tRaw] = [await sdk.token(), await raw.token()];
const targets: Target[] = [
  { id: 'direct', label: 'mock directly', url: mock.url, requests: [directRequest(mock)] },
  { id: 'rest-sdk', label: 'REST, OpenAI SDK', url: sdk.url, requests: [restRequest(sdk, tSdk)] },
  { id: 'rest-post', label: 'REST, one POST', url: raw.url, requests: [restRequest(raw, tRaw)] },
  { id: 'graphql-sdk', label: 'GraphQL, OpenAI SDK', url: sdk.url, requests: [graphqlRequest(sdk, tSdk)], isError: graphqlIsError },
  { id: 'graphql-post', label: 'GraphQL, one POST', url: raw.url, requests: [graphqlRequest(raw, tRaw)], isError: graphqlIsError },
  { id: 'portkey', label: 'Portkey', url: pk.url, requests: [portkeyRequest(pk, mock)] },
];
for (const t of targets) await verify(t, 'Mock openai answer');
await interleavedRounds(targets, { rounds: 2, connections: 8, durationMs: 1500, warmupMs: 0 });
const lat = await interleavedRounds(targets, { rounds, connections: 1, durationMs: ms, warmupMs: 200 });
const added = (id: string) => median(lat[id]!.map((r, i) => r.latency.p50 - lat.direct![i]!.latency.p50));
const portkey = added('portkey');
printTable(
  'added p50 latency at 1 connection (median of rounds)',
  ['target', 'added p50 ms', 'x Portkey'],
  targets.filter((t) => t.id !== 'direct').map((t) => [t.label, added(t.id).toFixed(3), (added(t.id) / portkey).toFixed(2)]),
);
await stopAll();
