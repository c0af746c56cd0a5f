// What the gateway adds to a completion, against an upstream that answers as the providers do
// (bench/lib/provider-upstream.ts: chunked transfer encoding and no Content-Length, gzip when
// the client accepts it, the real API's headers, 0 ms latency), in one interleaved run:
//   - the upstream directly (the baseline every "added" figure is taken from),
//   - a bare Node proxy (bench/lib/floor-proxy.mjs): the reference for what any Node process adds,
//   - the gateway with a user's defaults: cache on, every prompt unique so that every request
//     misses it (one user, the prompt varies), analytics on, embedded database; REST path,
//   - Portkey's gateway (the peer),
//   - the gateway on PostgreSQL + Redis (cache on Redis, analytics in PostgreSQL).
// Every target gets the same unique prompts. Reported: added p50/p99 at 1 connection; p99 and
// rate at each level of a closed-loop sweep up to 64 connections; the peak rate with p99 under
// 50 ms; and the targets of issue 26 as ratios, each with PASS or FAIL.
// --base <checkout> adds the gateway of another checkout (its defaults, embedded database) to
// the same interleaved run: a change measured before and after without the machine's drift
// between two runs. The checkout needs node_modules and src/generated (a symlink to this one's
// node_modules and a copy of its src/generated do).
//   node --import tsx bench/overhead.ts [--quick] [--rounds 7] [--sweep-rounds 3] [--levels 1,2,4,8,16,32,64]
//     [--latency-ms 1500] [--step-ms 1000] [--framing chunked|length] [--no-gzip] [--tokens 40]
//     [--graphql] [--no-portkey] [--no-pg] [--base <checkout>]
import path from 'node:path';
import { benchArgs, listArg, numberArg } from './lib/args.js';
import { buildRequest, UniqueRequests, type RawResponse } from './lib/http-load.js';
import { auth, graphqlIsError, graphqlRequest, openaiBody, PROMPT, restBody } from './lib/payloads.js';
import { createDatabase, pgReachable, type BenchDatabase } from './lib/pg.js';
import { benchRedis, deleteRedisPrefix, redisPrefix, type BenchRedis } from './lib/redis.js';
import { stopAll } from './lib/proc.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startArgs, startFloorProxy, startGateway, startPortkey, UPSTREAM_KEY, type Gateway } from './lib/servers.js';
import { median, ratio } from './lib/stats.js';
import { interleavedRounds, med, sweep, verify, type Target } from './lib/suite.js';
import { printTable } from './lib/table.js';
import { startUpstream } from './lib/upstream.js';

const args = benchArgs({
  rounds: { type: 'string' }, 'sweep-rounds': { type: 'string' }, levels: { type: 'string' }, 'latency-ms': { type: 'string' }, 'step-ms': { type: 'string' },
  framing: { type: 'string' }, 'no-gzip': { type: 'boolean' }, tokens: { type: 'string' }, graphql: { type: 'boolean' }, 'no-portkey': { type: 'boolean' }, 'no-pg': { type: 'boolean' },
  base: { type: 'string' },
});
const base = typeof args.values.base === 'string' && args.values.base ? path.resolve(args.values.base) : null;
const rounds = numberArg(args, 'rounds', args.quick ? 2 : 7);
const sweepRounds = numberArg(args, 'sweep-rounds', args.quick ? 1 : 3);
const latencyMs = numberArg(args, 'latency-ms', args.quick ? 600 : 1500);
const stepMs = numberArg(args, 'step-ms', args.quick ? 500 : 1000);
const levels = listArg(args, 'levels', [1, 2, 4, 8, 16, 32, 64]);
const framing = args.values.framing === 'length' ? 'length' : 'chunked';
const tokens = numberArg(args, 'tokens', 40);
const P99_BOUND = 50;
const TARGETS = { addedP50VsProxy: 1.5, peakVsProxy: 0.7, peakVsPortkey: 5 };

/** A gateway answer served from its cache would not measure a miss: counted as an error. */
const missOnly = (r: RawResponse) => r.status >= 400 || r.body.includes('"cached":true');
const missOnlyGraphql = (r: RawResponse) => graphqlIsError(r) || r.body.includes('"cached":true');

async function cacheStats(gw: Gateway): Promise<{ hits: number; misses: number; writes: number; entries: number }> {
  const res = await fetch(`${gw.url}/api/ai/cache/stats`, { headers: auth(await gw.token()) });
  const b = (await res.json()) as { cache_hits: number; cache_misses: number; cache_writes: number; total_cache_entries: number };
  return { hits: b.cache_hits, misses: b.cache_misses, writes: b.cache_writes, entries: b.total_cache_entries };
}

await runBench('overhead', async () => {
  const upstream = await startUpstream({ latencyMs: 0, framing, gzip: !args.values['no-gzip'], tokens });
  const proxy = await startFloorProxy(upstream);
  const gateways: { id: string; gw: Gateway }[] = [];
  const gw = await startGateway({ name: 'gateway (defaults)', env: mockProviderEnv(upstream) });
  gateways.push({ id: 'gateway', gw });
  const gwBase = base ? await startGateway({ name: 'gateway (base checkout)', env: mockProviderEnv(upstream), root: base }) : null;
  if (gwBase) gateways.push({ id: 'gateway-base', gw: gwBase });
  const pk = args.values['no-portkey'] ? null : await startPortkey();
  let redis: BenchRedis | null = null;
  const prefix = redisPrefix();
  let db: BenchDatabase | null = null;
  if (!args.values['no-pg']) {
    redis = await benchRedis();
    db = redis && (await pgReachable()) ? await createDatabase() : null;
    if (!redis || !db) console.error('no PostgreSQL or no Redis: the PostgreSQL + Redis series is left out');
  }
  try {
    const gwPg = redis && db ? await startGateway({ name: 'gateway (PostgreSQL + Redis)', env: { ...mockProviderEnv(upstream), DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix } }) : null;
    if (gwPg) {
      gateways.push({ id: 'gateway-pg', gw: gwPg });
      await gwPg.token();
      await db!.pinBackends();
    }

    const openaiAt = (base: string, headers: Record<string, string>) => new UniqueRequests((p) => buildRequest('POST', `${base}/chat/completions`, headers, openaiBody(p)), PROMPT).next;
    const restAt = async (g: Gateway) => {
      const headers = auth(await g.token());
      return new UniqueRequests((p) => buildRequest('POST', `${g.url}/api/ai/openai`, headers, restBody(p)), PROMPT).next;
    };
    const upstreamAuth = { authorization: `Bearer ${UPSTREAM_KEY}` };
    const targets: Target[] = [
      { id: 'direct', label: 'upstream directly', url: upstream.url, requests: openaiAt(upstream.openai, upstreamAuth) },
      { id: 'proxy', label: 'bare Node proxy', url: proxy.url, requests: openaiAt(proxy.openai, upstreamAuth) },
      { id: 'gateway', label: 'gateway, defaults (REST)', url: gw.url, requests: await restAt(gw), isError: missOnly },
    ];
    if (gwBase) targets.push({ id: 'gateway-base', label: `gateway at ${path.basename(base!)}, defaults (REST)`, url: gwBase.url, requests: await restAt(gwBase), isError: missOnly });
    if (args.values.graphql) {
      const token = await gw.token();
      targets.push({ id: 'gateway-graphql', label: 'gateway, defaults (GraphQL)', url: gw.url, requests: new UniqueRequests((p) => graphqlRequest(gw, token, p), PROMPT).next, isError: missOnlyGraphql });
    }
    if (pk) targets.push({ id: 'portkey', label: 'Portkey 1.15.2', url: pk.url, requests: openaiAt(`${pk.url}/v1`, pk.headers(upstream)) });
    if (gwPg) targets.push({ id: 'gateway-pg', label: 'gateway, PostgreSQL + Redis (REST)', url: gwPg.url, requests: await restAt(gwPg), isError: missOnly });

    // Each target answers, and whether its client asked the upstream for gzip.
    const acceptsGzip: Record<string, boolean> = {};
    for (const t of targets) {
      const before = await upstream.counters();
      await verify(t, /answers every|the a gateway/);
      acceptsGzip[t.id] = (await upstream.counters()).gzipped > before.gzipped;
    }

    process.stderr.write('warm-up\n');
    // Long enough for the JIT, lazily loaded modules (tokenizer tables) and the first analytics writes.
    await interleavedRounds(targets, { rounds: 2, connections: 8, durationMs: args.quick ? 300 : 1500, warmupMs: 0 });

    // The gateway opens database connections as load needs them: pin the new backends too.
    await db?.pinBackends();
    process.stderr.write(`latency at 1 connection: ${rounds} rounds of ${latencyMs} ms per target\n`);
    const cpu0 = await upstream.counters();
    const lat = await interleavedRounds(targets, { rounds, connections: 1, durationMs: latencyMs, warmupMs: 200 });
    const added = (id: string, pick: 'p50' | 'p99') => median(lat[id]!.map((r, i) => r.latency[pick] - lat.direct![i]!.latency[pick]));

    await db?.pinBackends();
    process.stderr.write(`rate sweep: ${sweepRounds} rounds, levels ${levels.join(',')}, ${stepMs} ms per step\n`);
    const sw = await sweep(targets, { rounds: sweepRounds, levels, stepMs, warmupMs: 200, p99BoundMs: P99_BOUND, stopWhenOver: false });
    const cpu1 = await upstream.counters();

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
    const sweepRows = targets.map((t) => {
      const perLevel = levels.map((c, i) => {
        const runs = sw.runs[t.id]!.map((round) => round[i]);
        return { connections: c, rps: med(runs, (x) => x.rps), p99: med(runs, (x) => x.latency.p99), errors: runs.reduce((n, x) => n + (x?.errors ?? 0), 0) };
      });
      return {
        id: t.id,
        label: t.label,
        peakRps: median(sw.peaks[t.id]!),
        atConnections: median(sw.peakConnections[t.id]!),
        maxRpsAnyP99: Math.max(...perLevel.map((l) => l.rps).filter(Number.isFinite)),
        worstP99: Math.max(...perLevel.map((l) => l.p99).filter(Number.isFinite)),
        perLevel,
      };
    });

    const row = (id: string) => latencyRows.find((r) => r.id === id);
    const sweepRow = (id: string) => sweepRows.find((r) => r.id === id);
    const checks: { series: string; check: string; value: number; target: string; pass: boolean }[] = [];
    for (const id of ['gateway', 'gateway-base', 'gateway-graphql', 'gateway-pg']) {
      const g = row(id);
      const s = sweepRow(id);
      if (!g || !s) continue;
      const vsProxyP50 = ratio(g.addedP50, row('proxy')!.addedP50);
      const vsProxyPeak = ratio(s.peakRps, sweepRow('proxy')!.peakRps);
      checks.push({ series: g.label, check: 'added p50 / bare proxy added p50', value: vsProxyP50, target: `<= ${TARGETS.addedP50VsProxy}`, pass: vsProxyP50 <= TARGETS.addedP50VsProxy });
      checks.push({ series: g.label, check: 'peak rate / bare proxy peak rate', value: vsProxyPeak, target: `>= ${TARGETS.peakVsProxy}`, pass: vsProxyPeak >= TARGETS.peakVsProxy });
      if (pk) {
        // Portkey never under the bound while the gateway was: the ratio is unbounded, and met.
        const pkPeak = sweepRow('portkey')!.peakRps;
        const vsPortkey = pkPeak === 0 && s.peakRps > 0 ? Infinity : ratio(s.peakRps, pkPeak);
        checks.push({ series: g.label, check: 'peak rate / Portkey peak rate', value: vsPortkey, target: `>= ${TARGETS.peakVsPortkey}`, pass: vsPortkey >= TARGETS.peakVsPortkey });
      }
      checks.push({ series: g.label, check: `worst p99 up to ${Math.max(...levels)} connections (ms)`, value: s.worstP99, target: `< ${P99_BOUND}`, pass: s.worstP99 < P99_BOUND && s.perLevel.every((l) => l.errors === 0) });
    }

    // Every gateway request must have been a miss (unique prompts): its cache says so.
    const cache: Record<string, { hits: number; misses: number; writes: number; entries: number }> = {};
    for (const { id, gw: g } of gateways) cache[id] = await cacheStats(g);
    const allMissed = Object.values(cache).every((c) => c.hits === 0);

    const rigHeadroom = ratio(sweepRow('direct')!.maxRpsAnyP99, sweepRow('proxy')!.peakRps);
    if (rigHeadroom < 2) console.error(`warning: the rig (upstream + load generator) peaked at only ${rigHeadroom.toFixed(2)}x the bare proxy's peak: peaks may be the rig's`);
    const served = cpu1.completions - cpu0.completions;
    const upstreamCpuUsPerRequest = ((cpu1.cpuMs - cpu0.cpuMs) * 1000) / Math.max(1, served);

    printTable(`Latency at 1 connection (median of ${rounds} interleaved rounds, ms; added = minus the upstream directly, same round)`,
      ['series', 'p50', 'p99', 'added p50', 'added p99', 'req/s', 'errors'],
      latencyRows.map((r) => [r.label, r.p50, r.p99, r.id === 'direct' ? null : r.addedP50, r.id === 'direct' ? null : r.addedP99, r.rps, r.errors]));
    printTable(`Closed-loop sweep (median of ${sweepRounds} rounds): req/s (p99 ms) at each level; peak = highest rate with p99 < ${P99_BOUND} ms and no errors`,
      ['series', 'peak req/s', 'at connections', ...levels.map((c) => `c=${c}`)],
      sweepRows.map((r) => [r.label, r.peakRps, r.atConnections, ...r.perLevel.map((l) => `${Math.round(l.rps)} (${l.p99.toFixed(1)})${l.errors ? ` ${l.errors} err` : ''}`)]));
    printTable('Targets of issue 26, point 4 (ratios in this run)', ['series', 'check', 'value', 'target', 'result'],
      checks.map((c) => [c.series, c.check, c.value, c.target, c.pass ? 'PASS' : 'FAIL']));
    printTable('Validity', ['check', 'value'], [
      ...gateways.map(({ id }) => [`${id}: cache hits / misses / entries`, `${cache[id]!.hits} / ${cache[id]!.misses} / ${cache[id]!.entries}`] as [string, string]),
      ['every gateway request missed the cache', allMissed ? 'yes' : 'NO: figures are not of misses'],
      ...targets.map((t) => [`${t.id}: its client asked the upstream for gzip`, acceptsGzip[t.id] ? 'yes' : 'no'] as [string, string]),
      ['upstream CPU per request (µs; its ceiling on one core is 1e6 / this)', upstreamCpuUsPerRequest],
      // The upstream and the load generator share a core: the rig's best rate must stay well above what is measured through it.
      ['rig ceiling (upstream directly, best rate) / bare proxy peak (want >= 2)', rigHeadroom],
    ]);

    const targetsMet = Object.fromEntries(checks.map((c) => [`${c.series}: ${c.check} ${c.target}`, c.pass]));
    return {
      setup: {
        pinning: 'gateways, Portkey, the bare proxy (and PostgreSQL backends, private Redis) on core 0; upstream and load generator on core 1',
        upstream: { ...upstream.options, file: 'bench/lib/provider-upstream.ts' },
        gateway: `node ${startArgs().join(' ')}, NODE_ENV=production, cache and analytics at their defaults, embedded DB in a temp dir; REST POST /api/ai/openai`,
        base,
        gatewayPg: gwPg ? `the same with DATABASE_URL (a scratch database) and REDIS_URL (${redis!.description})` : null,
        prompts: 'unique per request in every series (a serial number inside the prompt), one user',
        rounds, sweepRounds, latencyMs, stepMs, levels, p99BoundMs: P99_BOUND, targets: TARGETS,
      },
      latency: latencyRows,
      sweep: sweepRows,
      checks,
      targetsMet,
      validity: { cache, allMissed, acceptsGzip, upstreamCpuUsPerRequest, upstreamServed: served, rigHeadroom },
      raw: { latency: lat, sweep: sw },
    };
  } finally {
    await stopAll(); // the gateways (and a private Redis) first, so that none writes after the clean-up
    if (redis?.shared) await deleteRedisPrefix(prefix, redis.url);
    await db?.drop();
  }
});
