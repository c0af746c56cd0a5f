// CPU profile of the gateway under a fixed load (node --cpu-prof) against the provider-like
// upstream (bench/lib/provider-upstream.ts), summarised for the load only (start-up excluded):
// by kind of code (our code, Yoga/GraphQL, the SDKs, undici, the database, JSON, GC, ...), by
// package/file, by function, inclusive for our functions; and the event loop during the load:
// its delay second by second (monitorEventLoopDelay) and every block over 40 ms with what ran in it.
// The default scenario is a user's defaults: cache on with a unique prompt per request (every
// request a miss), analytics on, embedded database, REST.
//   node --import tsx bench/profile.ts [--scenario default|default-pg|rest|rest-noanalytics|graphql|cache-hit|cache-hit-noanalytics|sse|ws|startup|startup-pg|all]
//     [--seconds 8] [--connections 8] [--streams 500] [--chunk-ms 20] [--top 20]
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs, numberArg } from './lib/args.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { buildRequest, closedLoop, UniqueRequests, type RequestSource } from './lib/http-load.js';
import { auth, graphqlIsError, graphqlRequest, PROMPT, restBody, restRequest } from './lib/payloads.js';
import { createDatabase } from './lib/pg.js';
import { cpuSeconds, ROOT } from './lib/proc.js';
import { benchRedis, BENCH_REDIS_URL, deleteRedisPrefix, redisPrefix } from './lib/redis.js';
import { RESULTS_DIR } from './lib/results.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startGateway, type Gateway } from './lib/servers.js';
import { median } from './lib/stats.js';
import { holdStreams, sseSpec, wsSpec } from './lib/streams.js';
import { describe } from './lib/suite.js';
import { printTable } from './lib/table.js';
import { startUpstream } from './lib/upstream.js';

const args = benchArgs({ scenario: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' }, streams: { type: 'string' }, 'chunk-ms': { type: 'string' }, top: { type: 'string' } });
const top = numberArg(args, 'top', 20);
const chunkMs = numberArg(args, 'chunk-ms', 20);
const seconds = numberArg(args, 'seconds', args.quick ? 4 : 8);
const connections = numberArg(args, 'connections', 8);
const streams = numberArg(args, 'streams', 500);
const ALL = ['default', 'default-pg', 'rest', 'rest-noanalytics', 'graphql', 'cache-hit', 'cache-hit-noanalytics', 'sse', 'ws', 'startup', 'startup-pg'] as const;
type Scenario = (typeof ALL)[number];
const scenarioArg = typeof args.values.scenario === 'string' ? args.values.scenario : 'default';
const chosen = scenarioArg === 'all' ? [...ALL] : (scenarioArg.split(',') as Scenario[]);
for (const s of chosen) if (!ALL.includes(s)) throw new Error(`unknown scenario ${s} (one of ${ALL.join(', ')}, or all)`);

const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
const PROBE = pathToFileURL(path.join(ROOT, 'bench', 'lib', 'probe.mjs')).href;

interface LoopDelay {
  /** Seconds of the load with a measurement. */
  seconds: number;
  medianP50Ms: number;
  medianP99Ms: number;
  worstP99Ms: number;
  maxMs: number;
}

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
      loopDelay: null as LoopDelay | null,
      file: path.relative(RESULTS_DIR, path.join(dir, main)),
    };
  } finally {
    await db?.drop();
    if (pgMode) await deleteRedisPrefix(prefix);
  }
}

async function profileOne(scenario: Scenario) {
  if (scenario.startsWith('startup')) return profileStartup(scenario);
  const streaming = scenario === 'sse' || scenario === 'ws';
  const maxTokens = Math.ceil((seconds * 1000) / chunkMs);
  const upstream = await startUpstream(streaming ? { chunkMs, tokens: Math.min(4096, maxTokens) } : {});
  const dir = path.join(PROFILE_DIR, scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cacheHit = scenario.startsWith('cache-hit');
  const defaults = scenario.startsWith('default');
  const pg = scenario === 'default-pg';
  const redis = pg ? await benchRedis() : null;
  const db = pg ? await createDatabase() : null;
  const prefix = redisPrefix();
  if (pg && !redis) throw new Error('default-pg: no Redis');
  try {
    // A user's defaults leave caching and analytics unset; the other scenarios say what they test.
    const features = defaults
      ? {}
      : { ENABLE_CACHING: cacheHit ? 'true' : 'false', ANALYTICS_ENABLED: scenario.endsWith('noanalytics') ? 'false' : 'true' };
    const gw: Gateway = await startGateway({
      name: `gateway (${scenario})`,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', PROBE],
      env: {
        BENCH_PROBE_FILE: path.join(dir, 'probe.json'),
        ...mockProviderEnv(upstream),
        ...features,
        ...(pg ? { DATABASE_URL: db!.url, REDIS_URL: redis!.url, REDIS_KEY_PREFIX: prefix } : {}),
        ...(streaming ? { MAX_CONCURRENT_STREAMS: '100000', MAX_STREAMS_PER_USER: '100000' } : {}),
      },
    });
    const token = await gw.token();
    if (pg) await db!.pinBackends();
    let load: string;
    const cpu0 = cpuSeconds(gw.proc.pid);
    const from = performance.now() - gw.proc.spawnedAt + (streaming ? 0 : 1_000); // after the warm-up
    if (streaming) {
      const spec = scenario === 'ws' ? wsSpec(gw, token) : sseSpec(gw, token);
      await spec.prepare(streams);
      const r = await holdStreams(spec, { streams, rampMs: 1_000, maxTokens, stallMs: 10 * chunkMs, expectedChunks: maxTokens });
      await spec.close();
      load = `${streams} ${spec.label} streams, chunk every ${chunkMs} ms: stalled ${r.stalled} (longest gap at chunk p50 ${r.stallAtChunk.p50}), max gap ${r.maxGapMs.toFixed(0)} ms, p99 gap ${r.gap.p99.toFixed(1)} ms, TTFC p50 ${r.ttfc.p50.toFixed(0)} p99 ${r.ttfc.p99.toFixed(0)} ms, ${r.failed} failed, client event loop late by up to ${r.clientMaxLagMs.toFixed(0)} ms`;
    } else {
      const graphql = scenario === 'graphql';
      let requests: RequestSource;
      if (cacheHit) {
        await fetch(`${gw.url}/api/ai/openai`, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(restBody('profile')) });
        requests = [restRequest(gw, token, 'profile')];
      } else if (graphql) {
        requests = new UniqueRequests((p) => graphqlRequest(gw, token, p), PROMPT).next;
      } else {
        const headers = auth(token);
        requests = new UniqueRequests((p) => buildRequest('POST', `${gw.url}/api/ai/openai`, headers, restBody(p)), PROMPT).next;
      }
      const r = await closedLoop({ url: gw.url, requests, connections, durationMs: seconds * 1000, warmupMs: 1000, isError: graphql ? graphqlIsError : undefined });
      load = `${connections} connections${cacheHit ? ', one prompt (cache hits)' : ', a unique prompt per request'}: ${describe(r)}`;
    }
    const cpu = cpuSeconds(gw.proc.pid) - cpu0;
    const to = performance.now() - gw.proc.spawnedAt;
    await gw.stop();
    await upstream.stop();
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (others are loader-hook or worker threads).
    const file = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).map((f) => path.join(dir, f))[0];
    if (!file) throw new Error(`no profile written in ${dir}`);
    const window = { fromMs: from, toMs: to };
    const summary = summarizeProfile(file, top, window);
    const probe = JSON.parse(readFileSync(path.join(dir, 'probe.json'), 'utf8')) as { blocks: [number, number][]; seconds: { atUs: number; p50: number; p99: number; max: number }[] };
    const inWindow = (us: number) => (us - summary.startUs) / 1000 >= from && (us - summary.startUs) / 1000 <= to;
    // Event-loop blocks (> 40 ms) during the load, and what ran in them.
    const inLoad = probe.blocks.filter(([a, b]) => inWindow(a) || inWindow(b));
    const blockSummary = inLoad.length ? summarizeProfile(file, 15, window, inLoad) : null;
    const lengths = inLoad.map(([a, b]) => (b - a) / 1000);
    const blocks = { count: lengths.length, longestMs: Math.round(Math.max(0, ...lengths)), totalMs: Math.round(lengths.reduce((x, y) => x + y, 0)), summary: blockSummary };
    // The per-second figure ends at atUs: keep seconds wholly inside the load.
    const secs = probe.seconds.filter((x) => inWindow(x.atUs - 1_000_000) && inWindow(x.atUs));
    const loopDelay: LoopDelay = {
      seconds: secs.length,
      medianP50Ms: median(secs.map((x) => x.p50)),
      medianP99Ms: median(secs.map((x) => x.p99)),
      worstP99Ms: Math.max(...secs.map((x) => x.p99)),
      maxMs: Math.max(...secs.map((x) => x.max)),
    };
    return { scenario, load, cpuSeconds: cpu, summary, loader: null, blocks, loopDelay, file: path.relative(RESULTS_DIR, file) };
  } finally {
    await redis?.stop();
    if (redis?.shared) await deleteRedisPrefix(prefix, redis.url);
    await db?.drop();
  }
}

await runBench('profile', async () => {
  const out = [];
  for (const s of chosen) {
    const r = await profileOne(s);
    out.push(r);
    console.log(`\n## ${s}: ${r.load};${Number.isFinite(r.cpuSeconds) ? ` gateway CPU ${r.cpuSeconds.toFixed(1)} s;` : ''} profile ${r.summary.totalMs} ms, idle ${r.summary.idlePct}%, GC ${r.summary.gcPct}%`);
    printTable(`${s}: self time by kind of code (% of busy time)`, ['category', 'ms', '%'], r.summary.selfByCategory.map((e) => [e.name, e.ms, e.pct]));
    printTable(`${s}: self time by package/file`, ['module', 'ms', '%'], r.summary.selfByModule.map((e) => [e.name, e.ms, e.pct]));
    printTable(`${s}: self time by function`, ['function', 'ms', '%'], r.summary.selfByFunction.map((e) => [e.name, e.ms, e.pct]));
    printTable(`${s}: inclusive time of our functions`, ['function', 'ms', '%'], r.summary.inclusiveProject.map((e) => [e.name, e.ms, e.pct]));
    if (r.loader) printTable(`${s}: the other thread (tsx's loader hooks: transpiling), by package/file`, ['module', 'ms', '%'], r.loader.selfByModule.map((e) => [e.name, e.ms, e.pct]));
    if (r.loopDelay) {
      const d = r.loopDelay;
      console.log(`\n${s}: event-loop delay over ${d.seconds} s of load: p50 ${d.medianP50Ms.toFixed(1)} ms, p99 ${d.medianP99Ms.toFixed(1)} ms (median of the seconds; worst second ${d.worstP99Ms.toFixed(1)} ms), max ${d.maxMs.toFixed(0)} ms`);
      console.log(`${s}: ${r.blocks.count} event-loop blocks over 40 ms during the load, longest ${r.blocks.longestMs} ms, ${r.blocks.totalMs} ms in all`);
    }
    if (r.blocks.summary) {
      printTable(`${s}: what ran during the blocks, by kind of code`, ['category', 'ms', '%'], r.blocks.summary.selfByCategory.map((e) => [e.name, e.ms, e.pct]));
      printTable(`${s}: what ran during the blocks, by package/file`, ['module', 'ms', '%'], r.blocks.summary.selfByModule.map((e) => [e.name, e.ms, e.pct]));
      printTable(`${s}: what ran during the blocks, inclusive, our functions`, ['function', 'ms', '%'], r.blocks.summary.inclusiveProject.map((e) => [e.name, e.ms, e.pct]));
    }
  }
  return { seconds, connections, streams, scenarios: out };
});
