// Overhead of the completion path (REST and GraphQL, cache off) over a zero-latency
// mock upstream, against calling the mock directly and against Portkey's gateway
// proxying to the same mock, in one interleaved run.
//   node --import tsx bench/overhead.ts [--quick] [--rounds 7] [--levels 1,2,4,8,16,32,64]
import { benchArgs, listArg, numberArg } from './lib/args.js';
import { directRequest, graphqlIsError, graphqlRequest, portkeyRequest, restRequest } from './lib/payloads.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startArgs, startFloorProxy, startGateway, startMock, startPortkey } from './lib/servers.js';
import { median, ratio } from './lib/stats.js';
import { interleavedRounds, med, sweep, verify, type Target } from './lib/suite.js';
import { printTable } from './lib/table.js';

const args = benchArgs({ rounds: { type: 'string' }, 'sweep-rounds': { type: 'string' }, levels: { type: 'string' }, 'latency-ms': { type: 'string' }, 'step-ms': { type: 'string' } });
const rounds = numberArg(args, 'rounds', args.quick ? 2 : 7);
const sweepRounds = numberArg(args, 'sweep-rounds', args.quick ? 1 : 3);
const latencyMs = numberArg(args, 'latency-ms', args.quick ? 600 : 1500);
const stepMs = numberArg(args, 'step-ms', args.quick ? 500 : 1000);
const levels = listArg(args, 'levels', [1, 2, 4, 8, 16, 32, 64]);
const P99_BOUND = 50;

await runBench('overhead', async () => {
  const mock = await startMock({ latencyMs: 0 });
  const gwOn = await startGateway({ name: 'gateway (analytics on)', env: { ...mockProviderEnv(mock), ENABLE_CACHING: 'false', ANALYTICS_ENABLED: 'true' } });
  const gwOff = await startGateway({ name: 'gateway (analytics off)', env: { ...mockProviderEnv(mock), ENABLE_CACHING: 'false', ANALYTICS_ENABLED: 'false' } });
  const pk = await startPortkey();
  const floor = await startFloorProxy(mock);
  const [tokOn, tokOff] = [await gwOn.token(), await gwOff.token()];

  const targets: Target[] = [
    { id: 'direct', label: 'mock directly', url: mock.url, requests: [directRequest(mock)] },
    { id: 'rest', label: 'gateway REST', url: gwOn.url, requests: [restRequest(gwOn, tokOn)] },
    { id: 'graphql', label: 'gateway GraphQL', url: gwOn.url, requests: [graphqlRequest(gwOn, tokOn)], isError: graphqlIsError },
    { id: 'portkey', label: 'Portkey 1.15.2', url: pk.url, requests: [portkeyRequest(pk, mock)] },
    // Not a target: what any Node proxy adds on this machine (bench/lib/floor-proxy.mjs).
    { id: 'floor', label: 'minimal Node proxy (floor)', url: floor.url, requests: [directRequest(floor)] },
    { id: 'rest-noanalytics', label: 'gateway REST, analytics off', url: gwOff.url, requests: [restRequest(gwOff, tokOff)] },
    { id: 'graphql-noanalytics', label: 'gateway GraphQL, analytics off', url: gwOff.url, requests: [graphqlRequest(gwOff, tokOff)], isError: graphqlIsError },
  ];
  for (const t of targets) await verify(t, 'Mock openai answer');

  process.stderr.write('warm-up\n');
  // Long enough for the JIT, lazily loaded modules (tokenizer tables) and the first analytics writes.
  await interleavedRounds(targets, { rounds: 2, connections: 8, durationMs: args.quick ? 300 : 1500, warmupMs: 0 });

  process.stderr.write(`latency at 1 connection: ${rounds} rounds of ${latencyMs} ms per target\n`);
  const lat = await interleavedRounds(targets, { rounds, connections: 1, durationMs: latencyMs, warmupMs: 200 });
  const added = (id: string, pick: 'p50' | 'p99') => median(lat[id]!.map((r, i) => r.latency[pick] - lat.direct![i]!.latency[pick]));

  const sweepTargets = targets.filter((t) => t.id !== 'graphql-noanalytics' && t.id !== 'floor');
  process.stderr.write(`rate sweep: ${sweepRounds} rounds, levels ${levels.join(',')}, ${stepMs} ms per step\n`);
  const sw = await sweep(sweepTargets, { rounds: sweepRounds, levels, stepMs, warmupMs: 200, p99BoundMs: P99_BOUND });

  const latencyRows = targets.map((t) => {
    const r = lat[t.id]!;
    return {
      id: t.id,
      label: t.label,
      p50: med(r, (x) => x.latency.p50),
      p99: med(r, (x) => x.latency.p99),
      addedP50: t.id === 'direct' ? 0 : added(t.id, 'p50'),
      addedP99: t.id === 'direct' ? 0 : added(t.id, 'p99'),
      rps: med(r, (x) => x.rps),
      errors: r.reduce((n, x) => n + x.errors, 0),
    };
  });
  const peakRows = sweepTargets.map((t) => ({
    id: t.id,
    label: t.label,
    peakRps: median(sw.peaks[t.id]!),
    maxRpsAnyP99: Math.max(...levels.map((_, i) => med(sw.runs[t.id]!.map((round) => round[i]), (x) => x.rps)).filter(Number.isFinite)),
    atConnections: median(sw.peakConnections[t.id]!),
    perLevel: levels.map((c, i) => {
      const runs = sw.runs[t.id]!.map((round) => round[i]);
      return { connections: c, rps: med(runs, (x) => x.rps), p99: med(runs, (x) => x.latency.p99), runs: runs.filter(Boolean).length };
    }),
  }));

  const row = (id: string) => latencyRows.find((r) => r.id === id)!;
  const peak = (id: string) => peakRows.find((r) => r.id === id)!.peakRps;
  const ratios = {
    restAddedP50VsPortkey: ratio(row('rest').addedP50, row('portkey').addedP50),
    graphqlAddedP50VsPortkey: ratio(row('graphql').addedP50, row('portkey').addedP50),
    restPeakVsPortkey: ratio(peak('rest'), peak('portkey')),
    graphqlPeakVsPortkey: ratio(peak('graphql'), peak('portkey')),
  };
  // Not targets: the same ratios once the floor (what the minimal proxy adds) is taken out of both sides.
  const aboveFloor = (id: string) => row(id).addedP50 - row('floor').addedP50;
  const overFloor = {
    restAddedP50AboveFloorVsPortkey: ratio(aboveFloor('rest'), aboveFloor('portkey')),
    graphqlAddedP50AboveFloorVsPortkey: ratio(aboveFloor('graphql'), aboveFloor('portkey')),
  };
  const targetsMet = {
    'REST added p50 <= 0.5 x Portkey': ratios.restAddedP50VsPortkey <= 0.5,
    'GraphQL added p50 <= 0.5 x Portkey': ratios.graphqlAddedP50VsPortkey <= 0.5,
    'REST peak rate >= 2 x Portkey': ratios.restPeakVsPortkey >= 2,
    'GraphQL peak rate >= 2 x Portkey': ratios.graphqlPeakVsPortkey >= 2,
  };

  printTable(`Latency at 1 connection (median of ${rounds} interleaved rounds, ms)`, ['target', 'p50', 'p99', 'added p50', 'added p99', 'req/s', 'errors'],
    latencyRows.map((r) => [r.label, r.p50, r.p99, r.id === 'direct' ? null : r.addedP50, r.id === 'direct' ? null : r.addedP99, r.rps, r.errors]));
  printTable(`Highest rate with p99 < ${P99_BOUND} ms (median of ${sweepRounds} rounds)`, ['target', 'peak req/s', 'at connections', 'max req/s (any p99)', ...levels.map((c) => `c=${c} req/s (p99)`)],
    peakRows.map((r) => [r.label, r.peakRps, r.atConnections, r.maxRpsAnyP99, ...r.perLevel.map((l) => (l.runs ? `${Math.round(l.rps)} (${l.p99.toFixed(1)})` : 'over'))]));
  printTable('Ratios against Portkey (targets: added p50 <= 0.5, peak >= 2)', ['ratio', 'value', 'target met'], [
    ['REST added p50 / Portkey added p50', ratios.restAddedP50VsPortkey, targetsMet['REST added p50 <= 0.5 x Portkey']],
    ['GraphQL added p50 / Portkey added p50', ratios.graphqlAddedP50VsPortkey, targetsMet['GraphQL added p50 <= 0.5 x Portkey']],
    ['REST peak / Portkey peak', ratios.restPeakVsPortkey, targetsMet['REST peak rate >= 2 x Portkey']],
    ['GraphQL peak / Portkey peak', ratios.graphqlPeakVsPortkey, targetsMet['GraphQL peak rate >= 2 x Portkey']],
  ]);
  printTable('Added p50 above the floor (the minimal proxy\'s added p50 taken out of both sides; not a target)', ['ratio', 'value'], [
    ['REST / Portkey', overFloor.restAddedP50AboveFloorVsPortkey],
    ['GraphQL / Portkey', overFloor.graphqlAddedP50AboveFloorVsPortkey],
  ]);

  return {
    setup: {
      pinning: 'gateways, Portkey and the minimal proxy on core 0; mock upstream and load generator on core 1',
      mock: 'test/mock-upstream, latency 0, openai route',
      gateway: `node ${startArgs().join(' ')}, NODE_ENV=production, ENABLE_CACHING=false, embedded DB in a temp dir`,
      rounds, sweepRounds, latencyMs, stepMs, levels, p99BoundMs: P99_BOUND,
    },
    latency: latencyRows,
    peak: peakRows,
    ratios,
    overFloor,
    targetsMet,
    raw: { latency: lat, sweep: sw },
  };
});
