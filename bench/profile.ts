// CPU profile of the gateway under a fixed load (node --cpu-prof), summarised:
// where the time goes during the load only (start-up excluded), by function, by
// package/file, and inclusive for src/.
//   node --import tsx bench/profile.ts [--chunk-delay-ms 20] [--streams 500] [--scenario rest|rest-noanalytics|graphql|cache-hit|cache-hit-noanalytics|sse|ws|startup|startup-pg|all] [--seconds 8] [--connections 8] [--top 20]
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs, numberArg } from './lib/args.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { closedLoop } from './lib/http-load.js';
import { graphqlIsError, graphqlRequest, restRequest } from './lib/payloads.js';
import { cpuSeconds, ROOT } from './lib/proc.js';
import { RESULTS_DIR } from './lib/results.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startGateway, startMock, type Gateway } from './lib/servers.js';
import { holdStreams, sseSpec, wsSpec } from './lib/streams.js';
import { describe } from './lib/suite.js';
import { createDatabase } from './lib/pg.js';
import { BENCH_REDIS_URL, deleteRedisPrefix, redisPrefix } from './lib/redis.js';
import { printTable } from './lib/table.js';

const args = benchArgs({ scenario: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' }, streams: { type: 'string' }, 'chunk-delay-ms': { type: 'string' }, top: { type: 'string' } });
const top = numberArg(args, 'top', 20);
const chunkMs = numberArg(args, 'chunk-delay-ms', 20);
const seconds = numberArg(args, 'seconds', 8);
const connections = numberArg(args, 'connections', 8);
const streams = numberArg(args, 'streams', 500);
const ALL = ['rest', 'rest-noanalytics', 'graphql', 'cache-hit', 'cache-hit-noanalytics', 'sse', 'ws', 'startup', 'startup-pg'] as const;
type Scenario = (typeof ALL)[number];
const chosen = typeof args.values.scenario === 'string' && args.values.scenario !== 'all' ? (args.values.scenario.split(',') as Scenario[]) : [...ALL];

const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
const PROBE = pathToFileURL(path.join(ROOT, 'bench', 'lib', 'probe.mjs')).href;

/** Start-up: from process start to /health answering (first boot: fresh embedded folder / fresh database). */
async function profileStartup(scenario: Scenario) {
  const dir = path.join(PROFILE_DIR, scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pgMode = scenario === 'startup-pg';
  const db = pgMode ? await createDatabase() : null;
  const prefix = redisPrefix();
  try {
    const gw = await startGateway({
      name: `gateway (${scenario})`,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      env: db ? { DATABASE_URL: db.url, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: prefix } : {},
    });
    const healthMs = gw.healthyAt - gw.proc.spawnedAt;
    await gw.stop();
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    const main = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f))!;
    const loader = files.find((f) => !/\.0\.\d+\.cpuprofile$/.test(f));
    const window = { fromMs: 0, toMs: healthMs };
    return {
      scenario,
      load: `first boot, /health after ${Math.round(healthMs)} ms`,
      cpuSeconds: NaN,
      summary: summarizeProfile(path.join(dir, main), 20, window),
      loader: loader ? summarizeProfile(path.join(dir, loader), 10, window) : null,
      blocks: { count: 0, longestMs: 0, totalMs: 0, summary: null },
      file: path.relative(RESULTS_DIR, path.join(dir, main)),
    };
  } finally {
    await db?.drop();
    if (pgMode) await deleteRedisPrefix(prefix);
  }
}

async function profileOne(scenario: Scenario) {
  if (scenario.startsWith('startup')) return profileStartup(scenario);
  const sse = scenario === 'sse' || scenario === 'ws';
  const mock = await startMock(sse ? { chunkDelayMs: chunkMs, chunks: 100_000 } : { latencyMs: 0 });
  const dir = path.join(PROFILE_DIR, scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cache = scenario.startsWith('cache-hit');
  const gw: Gateway = await startGateway({
    name: `gateway (${scenario})`,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', PROBE],
    env: {
      BENCH_PROBE_FILE: path.join(dir, 'blocks.json'),
      ...mockProviderEnv(mock),
      ENABLE_CACHING: cache ? 'true' : 'false',
      ANALYTICS_ENABLED: scenario.endsWith('noanalytics') ? 'false' : 'true',
      MAX_CONCURRENT_STREAMS: '100000',
      MAX_STREAMS_PER_USER: '100000',
    },
  });
  const token = await gw.token();
  let load: string;
  const cpu0 = cpuSeconds(gw.proc.pid);
  const from = performance.now() - gw.proc.spawnedAt + (sse ? 0 : 1_000); // after the warm-up
  if (sse) {
    const spec = scenario === 'ws' ? wsSpec(gw, token) : sseSpec(gw, token);
    await spec.prepare(streams);
    const r = await holdStreams(spec, { streams, rampMs: 1_000, maxTokens: Math.ceil((seconds * 1000) / chunkMs), stallMs: 10 * chunkMs });
    await spec.close();
    load = `${streams} ${spec.label} streams, chunk every ${chunkMs} ms: stalled ${r.stalled} (longest gap at chunk p50 ${r.stallAtChunk.p50}), max gap ${r.maxGapMs.toFixed(0)} ms, p99 gap ${r.gap.p99.toFixed(1)} ms, TTFC p50 ${r.ttfc.p50.toFixed(0)} p99 ${r.ttfc.p99.toFixed(0)} ms, ${r.failed} failed, client event loop late by up to ${r.clientMaxLagMs.toFixed(0)} ms`;
  } else {
    if (cache) {
      await fetch(`${gw.url}/api/ai/openai`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'profile', model: 'gpt-4o-mini', max_tokens: 20 }) });
    }
    const graphql = scenario === 'graphql';
    const req = graphql ? graphqlRequest(gw, token, cache ? 'profile' : undefined) : restRequest(gw, token, cache ? 'profile' : undefined);
    const r = await closedLoop({ url: gw.url, requests: [req], connections, durationMs: seconds * 1000, warmupMs: 1000, isError: graphql ? graphqlIsError : undefined });
    load = `${connections} connections: ${describe(r)}`;
  }
  const cpu = cpuSeconds(gw.proc.pid) - cpu0;
  const to = performance.now() - gw.proc.spawnedAt;
  await gw.stop();
  await mock.stop();
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (1 is tsx's loader-hooks thread).
  const file = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).map((f) => path.join(dir, f))[0];
  if (!file) throw new Error(`no profile written in ${dir}`);
  const window = { fromMs: from, toMs: to };
  const summary = summarizeProfile(file, top, window);
  // Event-loop blocks (> 40 ms) during the load, and what ran in them.
  const { blocks: allBlocks } = JSON.parse(readFileSync(path.join(dir, 'blocks.json'), 'utf8')) as { blocks: [number, number][] };
  const inLoad = allBlocks.filter(([a, b]) => (b - summary.startUs) / 1000 >= from && (a - summary.startUs) / 1000 <= to);
  const blockSummary = inLoad.length ? summarizeProfile(file, 15, window, inLoad) : null;
  const lengths = inLoad.map(([a, b]) => (b - a) / 1000);
  const blocks = { count: lengths.length, longestMs: Math.round(Math.max(0, ...lengths)), totalMs: Math.round(lengths.reduce((x, y) => x + y, 0)), summary: blockSummary };
  return { scenario, load, cpuSeconds: cpu, summary, blocks, file: path.relative(RESULTS_DIR, file) };
}

await runBench('profile', async () => {
  const out = [];
  for (const s of chosen) {
    const r = await profileOne(s);
    out.push(r);
    console.log(`\n## ${s}: ${r.load};${Number.isFinite(r.cpuSeconds) ? ` gateway CPU ${r.cpuSeconds.toFixed(1)} s;` : ''} profile ${r.summary.totalMs} ms, idle ${r.summary.idlePct}%, GC ${r.summary.gcPct}%`);
    printTable(`${s}: self time by package/file`, ['module', 'ms', '%'], r.summary.selfByModule.map((e) => [e.name, e.ms, e.pct]));
    printTable(`${s}: self time by function`, ['function', 'ms', '%'], r.summary.selfByFunction.map((e) => [e.name, e.ms, e.pct]));
    printTable(`${s}: inclusive time of src/ functions`, ['function', 'ms', '%'], r.summary.inclusiveProject.map((e) => [e.name, e.ms, e.pct]));
    if ('loader' in r && r.loader) printTable(`${s}: the other thread (tsx's loader hooks: transpiling), by package/file`, ['module', 'ms', '%'], r.loader.selfByModule.map((e) => [e.name, e.ms, e.pct]));
    console.log(`\n${s}: ${r.blocks.count} event-loop blocks over 40 ms during the load, longest ${r.blocks.longestMs} ms, ${r.blocks.totalMs} ms in all`);
    if (r.blocks.summary) {
      printTable(`${s}: what ran during the blocks, by package/file`, ['module', 'ms', '%'], r.blocks.summary.selfByModule.map((e) => [e.name, e.ms, e.pct]));
      printTable(`${s}: what ran during the blocks, inclusive src/`, ['function', 'ms', '%'], r.blocks.summary.inclusiveProject.map((e) => [e.name, e.ms, e.pct]));
    }
  }
  return { seconds, connections, streams, scenarios: out };
});
