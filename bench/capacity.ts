// Capacity under real latency: how many completions one gateway process holds in flight
// when the upstream takes about a second, with p99 added latency under 10 ms, and what each
// one costs in memory. N closed-loop connections each keep one completion in flight (their
// first requests spread over one upstream latency, so arrivals are steady, not waves);
// N steps up; at each step, interleaved: the upstream directly (can the rig itself hold N?),
// the bare Node proxy (the reference) and the gateway with a user's defaults (cache on with
// unique prompts, analytics on, embedded database). Each target has its own upstream process.
//
// Added latency is exact per request: the upstream's delay is fixed by the prompt
// (upstreamDelayMs), the load generator recomputes it and subtracts it, and the upstream's
// sum of delays is checked against the generator's. Every request sent in the measured window
// is waited for (a slow answer is never cut off). Memory: the target's RSS during the step
// (median of /proc samples) minus its RSS at rest before the first step, divided by N.
//   node --import tsx bench/capacity.ts [--quick] [--levels 500,1000,2000,5000,8000] [--upstream-ms 1000]
//     [--jitter-ms 100] [--hold-ms 8000] [--no-proxy] [--no-direct]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { benchArgs, listArg, numberArg, sleep } from './lib/args.js';
import { buildRequest, RawConnection, UniqueRequests } from './lib/http-load.js';
import { auth, openaiBody, PROMPT, restBody } from './lib/payloads.js';
import { cpuSeconds, rssMiB, type Managed } from './lib/proc.js';
import { upstreamDelayMs } from './lib/provider-upstream.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startArgs, startFloorProxy, startGateway, UPSTREAM_KEY } from './lib/servers.js';
import { summarize, type Summary } from './lib/stats.js';
import { printTable } from './lib/table.js';
import { startUpstream, type Upstream } from './lib/upstream.js';

const args = benchArgs({
  levels: { type: 'string' }, 'upstream-ms': { type: 'string' }, 'jitter-ms': { type: 'string' }, 'hold-ms': { type: 'string' },
  'no-proxy': { type: 'boolean' }, 'no-direct': { type: 'boolean' },
});
const upstreamMs = numberArg(args, 'upstream-ms', 1000);
const jitterMs = numberArg(args, 'jitter-ms', 100);
const holdMs = numberArg(args, 'hold-ms', args.quick ? 3000 : 8000);
const wanted = listArg(args, 'levels', args.quick ? [200, 1000] : [500, 1000, 2000, 5000, 8000]);
const P99_ADDED_BOUND = 10;
const TARGET_IN_FLIGHT = 5000;
/** Longest wait for the last answers of a step before they count as failed. */
const DRAIN_MS = 30_000;

/** Descriptors a process may open: the gateway holds two per completion (client and upstream sockets). */
function openFileLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return 1024;
  }
}
const fdLimit = openFileLimit();
const maxN = Math.floor((fdLimit - 512) / 2);
const levels = wanted.filter((n) => n <= maxN);
if (levels.length < wanted.length) {
  console.error(`ulimit -n is ${fdLimit}: levels above ${maxN} left out (${wanted.filter((n) => n > maxN).join(', ')}); raise it with ulimit -n to run them`);
}

interface Series {
  id: string;
  label: string;
  url: string;
  /** The process whose memory is measured. */
  proc: Managed;
  upstream: Upstream;
  requests: UniqueRequests;
  /** The gateway's cache size in bytes (it grows with every unique prompt, in-flight or not). */
  cacheBytes?: () => Promise<number>;
}

interface Step {
  n: number;
  completed: number;
  failed: number;
  firstError?: string;
  rps: number;
  /** Outstanding requests, sampled every 100 ms during the window. */
  inFlightMean: number;
  inFlightMin: number;
  added: Summary;
  rssMiB: number;
  rssDeltaMiB: number;
  rssPerInFlightKiB: number;
  /** The cache's growth since the rest measurement (gateway only: bytes of the entries it counts), part of the RSS delta. */
  cacheGrowthMiB: number;
  /** RSS per in-flight request once the cache's growth is taken out. */
  rssPerInFlightLessCacheKiB: number;
  serverCores: number;
  /** The load generator's own event-loop delay p99 during the window (ms): if high, the rig is late too. */
  clientLagP99Ms: number;
  /** The upstream's sum of delays minus the generator's: 0 when every delay was recomputed right. */
  delayMismatchMs: number;
}

async function openConnections(url: string, n: number): Promise<RawConnection[]> {
  const u = new URL(url);
  const out: RawConnection[] = [];
  // A couple of hundred at a time, so that the server's accept queue never overflows.
  for (let left = n; left > 0; left -= 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, left) }, () => RawConnection.connect(Number(u.port), u.hostname)));
    out.push(...batch);
    await sleep(10);
  }
  return out;
}

async function step(s: Series, n: number, baseline: { rssMiB: number; cacheMiB: number }, holdMs: number): Promise<Step> {
  const conns = await openConnections(s.url, n);
  const before = await s.upstream.counters();
  const rampMs = upstreamMs; // first requests spread over one upstream latency
  const t0 = performance.now();
  const windowStart = t0 + rampMs + upstreamMs;
  const windowEnd = windowStart + holdMs;
  const cap = Math.ceil(n * (holdMs / Math.max(1, upstreamMs - jitterMs) + 2));
  const added = new Float64Array(cap);
  let samples = 0;
  let completed = 0;
  let failed = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let expectedDelaySum = 0;

  const inFlightSamples: number[] = [];
  const rss: number[] = [];
  let cpuAtStart = NaN;
  let cpuAtEnd = NaN;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const sampler = setInterval(() => {
    const now = performance.now();
    if (now < windowStart || now > windowEnd) return;
    if (!Number.isFinite(cpuAtStart)) {
      cpuAtStart = cpuSeconds(s.proc.pid);
      lag.enable();
    }
    inFlightSamples.push(inFlight);
    if (inFlightSamples.length % 2 === 0) rss.push(rssMiB(s.proc.pid));
  }, 100);

  const loop = async (conn: RawConnection, startAt: number) => {
    await sleep(startAt);
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= windowEnd) return;
      const req = s.requests.next();
      const delay = upstreamDelayMs(s.requests.lastPrompt(), upstreamMs, jitterMs);
      expectedDelaySum += delay;
      inFlight++;
      try {
        const r = await conn.send(req);
        inFlight--;
        if (sentAt < windowStart) continue;
        if (r.status >= 400 || r.body.includes('"cached":true')) {
          failed++;
          firstError ??= `HTTP ${r.status}: ${r.body.toString('utf8', 0, Math.min(300, r.body.length))}`;
          continue;
        }
        completed++;
        if (samples < cap) added[samples++] = performance.now() - sentAt - delay;
      } catch (e) {
        inFlight--;
        if (sentAt >= windowStart) failed++;
        firstError ??= (e as Error).message;
        return; // this connection is gone
      }
    }
  };
  const loops = Promise.all(conns.map((c, i) => loop(c, (i / n) * rampMs)));
  await sleep(windowEnd - performance.now());
  cpuAtEnd = cpuSeconds(s.proc.pid);
  lag.disable();
  clearInterval(sampler);
  // Every request sent in the window is waited for, up to DRAIN_MS.
  const drained = await Promise.race([loops.then(() => true), sleep(DRAIN_MS).then(() => false)]);
  if (!drained) {
    failed += inFlight;
    firstError ??= `${inFlight} requests still unanswered ${DRAIN_MS} ms after the window`;
  }
  for (const c of conns) c.reset();
  await sleep(200);
  const after = await s.upstream.counters();
  const cacheMiB = s.cacheBytes ? (await s.cacheBytes()) / 2 ** 20 : NaN;
  const rssMedian = summarize(rss).p50;
  return {
    n,
    completed,
    failed,
    firstError,
    rps: completed / (holdMs / 1000),
    inFlightMean: inFlightSamples.reduce((a, b) => a + b, 0) / Math.max(1, inFlightSamples.length),
    inFlightMin: Math.min(...inFlightSamples),
    added: summarize(added.subarray(0, samples)),
    rssMiB: rssMedian,
    rssDeltaMiB: rssMedian - baseline.rssMiB,
    rssPerInFlightKiB: ((rssMedian - baseline.rssMiB) * 1024) / n,
    cacheGrowthMiB: cacheMiB - baseline.cacheMiB,
    rssPerInFlightLessCacheKiB: ((rssMedian - baseline.rssMiB - (Number.isFinite(cacheMiB) ? cacheMiB - baseline.cacheMiB : 0)) * 1024) / n,
    serverCores: (cpuAtEnd - cpuAtStart) / (holdMs / 1000),
    clientLagP99Ms: lag.percentile(99) / 1e6,
    delayMismatchMs: drained ? after.delayMsTotal - before.delayMsTotal - expectedDelaySum : NaN,
  };
}

await runBench('capacity', async () => {
  const upstreamOptions = { latencyMs: upstreamMs, jitterMs };
  const series: Series[] = [];
  const openaiRequests = (base: string) => new UniqueRequests((p) => buildRequest('POST', `${base}/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }, openaiBody(p)), PROMPT);
  if (!args.values['no-direct']) {
    const up = await startUpstream(upstreamOptions);
    series.push({ id: 'direct', label: 'upstream directly', url: up.url, proc: up.proc, upstream: up, requests: openaiRequests(up.openai) });
  }
  if (!args.values['no-proxy']) {
    const up = await startUpstream(upstreamOptions);
    const proxy = await startFloorProxy(up);
    series.push({ id: 'proxy', label: 'bare Node proxy', url: proxy.url, proc: proxy.proc, upstream: up, requests: openaiRequests(proxy.openai) });
  }
  const up = await startUpstream(upstreamOptions);
  const gw = await startGateway({ name: 'gateway (defaults)', env: mockProviderEnv(up) });
  const headers = auth(await gw.token());
  const cacheBytes = async () => {
    const res = await fetch(`${gw.url}/api/ai/cache/stats`, { headers });
    return ((await res.json()) as { total_bytes: number }).total_bytes;
  };
  series.push({ id: 'gateway', label: 'gateway, defaults (REST)', url: gw.url, proc: gw.proc, upstream: up, requests: new UniqueRequests((p) => buildRequest('POST', `${gw.url}/api/ai/openai`, headers, restBody(p)), PROMPT), cacheBytes });

  // Warm-up (JIT, lazily loaded modules, the first analytics writes), then each target's RSS at rest.
  process.stderr.write('warm-up\n');
  const baseline: Record<string, { rssMiB: number; cacheMiB: number }> = {};
  for (const s of series) {
    await step(s, 100, { rssMiB: 0, cacheMiB: 0 }, 2_000);
    await sleep(1_000);
    baseline[s.id] = { rssMiB: rssMiB(s.proc.pid), cacheMiB: s.cacheBytes ? (await s.cacheBytes()) / 2 ** 20 : NaN };
  }

  const results: Record<string, Step[]> = Object.fromEntries(series.map((s) => [s.id, []]));
  const stopped = new Set<string>();
  for (const n of levels) {
    for (const s of series) {
      if (stopped.has(s.id)) continue;
      const r = await step(s, n, baseline[s.id]!, holdMs);
      results[s.id]!.push(r);
      process.stderr.write(
        `  ${s.id.padEnd(8)} N=${String(n).padStart(5)}: ${r.rps.toFixed(0)} req/s, in flight ${r.inFlightMean.toFixed(0)} (min ${r.inFlightMin}), added p50 ${r.added.p50.toFixed(1)} p99 ${r.added.p99.toFixed(1)} max ${r.added.max.toFixed(0)} ms, ` +
          `${r.failed} failed, RSS ${r.rssMiB.toFixed(0)} MiB (+${r.rssPerInFlightKiB.toFixed(1)} KiB per in-flight), ${r.serverCores.toFixed(2)} cores, client lag p99 ${r.clientLagP99Ms.toFixed(1)} ms, delay mismatch ${r.delayMismatchMs} ms` +
          `${r.firstError ? ` (${r.firstError})` : ''}\n`,
      );
      // Far over the bound (or failing): the next, larger step tells nothing more.
      if (r.failed > 0 || r.added.p99 > 10 * P99_ADDED_BOUND) stopped.add(s.id);
    }
  }

  const held = (id: string) => Math.max(0, ...results[id]!.filter((r) => r.failed === 0 && r.added.p99 < P99_ADDED_BOUND).map((r) => r.n));
  const rows = series.flatMap((s) => results[s.id]!.map((r) => ({ series: s.label, ...r })));
  printTable(`In-flight completions against a ${upstreamMs} ms upstream (±${jitterMs} ms by prompt), ${holdMs} ms per step; added = latency minus the upstream's delay`,
    ['series', 'N', 'req/s', 'in flight (mean)', 'added p50', 'added p99', 'added max', 'failed', 'RSS MiB', 'RSS per in-flight KiB', 'cache growth MiB', 'RSS per in-flight less cache KiB', 'server cores', 'client lag p99'],
    rows.map((r) => [r.series, r.n, r.rps, r.inFlightMean, r.added.p50, r.added.p99, r.added.max, r.failed, r.rssMiB, r.rssPerInFlightKiB, r.cacheGrowthMiB, r.rssPerInFlightLessCacheKiB, r.serverCores, r.clientLagP99Ms]));
  const heldRows = series.map((s) => [s.label, held(s.id), s.id === 'gateway' ? (held(s.id) >= TARGET_IN_FLIGHT ? 'PASS' : 'FAIL') : '–']);
  printTable(`Largest N with p99 added < ${P99_ADDED_BOUND} ms and nothing failed (target for the gateway: ${TARGET_IN_FLIGHT})`, ['series', 'N', 'result'], heldRows);
  const mismatch = rows.filter((r) => r.delayMismatchMs !== 0);
  if (mismatch.length) console.log(`\nwarning: the upstream's delays differ from the generator's at ${mismatch.map((r) => `${r.series} N=${r.n}`).join(', ')}: added latency there is not exact`);

  return {
    setup: {
      upstreamMs, jitterMs, holdMs, levels, fdLimit,
      pinning: 'gateway and bare proxy on core 0; upstreams and load generator on core 1',
      gateway: `node ${startArgs().join(' ')}, NODE_ENV=production, cache and analytics at their defaults, embedded DB; REST POST /api/ai/openai, unique prompts`,
      baselineRssMiB: baseline,
    },
    steps: results,
    held: Object.fromEntries(series.map((s) => [s.id, held(s.id)])),
    targetsMet: { [`gateway holds ${TARGET_IN_FLIGHT} in flight with p99 added < ${P99_ADDED_BOUND} ms`]: held('gateway') >= TARGET_IN_FLIGHT },
  };
});
