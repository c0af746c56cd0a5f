// Cache-hit latency of the REST completion path at 1 and 50 connections, with the
// in-memory store and with Redis (with the embedded database, and with PostgreSQL as
// docker-compose deploys it), next to GET /health (the HTTP floor of the same server).
// Redis rows run with the default in-process tier in front of Redis (CACHE_LOCAL_ENTRIES);
// one more row turns it off, so every hit is a Redis round trip.
//   node --import tsx bench/cache.ts [--quick] [--rounds 5]
import { benchArgs, numberArg } from './lib/args.js';
import { buildRequest } from './lib/http-load.js';
import { restRequest } from './lib/payloads.js';
import { stopAll } from './lib/proc.js';
import { createDatabase, pgReachable } from './lib/pg.js';
import { benchRedis, deleteRedisPrefix, redisPrefix } from './lib/redis.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startGateway, startMock, type Gateway } from './lib/servers.js';
import { interleavedRounds, med, verify, type Target } from './lib/suite.js';
import { printTable } from './lib/table.js';

const args = benchArgs({ rounds: { type: 'string' }, 'duration-ms': { type: 'string' }, keys: { type: 'string' } });
const rounds = numberArg(args, 'rounds', args.quick ? 2 : 5);
const durationMs = numberArg(args, 'duration-ms', args.quick ? 600 : 1500);
const keys = numberArg(args, 'keys', 100);
const CONNECTIONS = [1, 50];
const TARGET_P99_MS = 2;

const prompts = Array.from({ length: keys }, (_, i) => `Cache benchmark prompt number ${i}: summarise the benefits of response caching.`);

/** Fills the cache (one miss per prompt) and checks the next answer is a hit. */
async function warm(gw: Gateway, token: string): Promise<void> {
  for (const p of prompts) {
    const res = await fetch(`${gw.url}/api/ai/openai`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: p, model: 'gpt-4o-mini', max_tokens: 20 }),
    });
    if (res.status !== 200) throw new Error(`warming ${gw.proc.name}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}

await runBench('cache', async () => {
  const prefix = redisPrefix();
  const redis = await benchRedis();
  if (!redis) console.error('no Redis (no redis-server binary, and none at BENCH_REDIS_URL): measuring the memory store only');
  const db = redis && (await pgReachable()) ? await createDatabase() : null;
  const pgPrefix = redisPrefix();
  const noLocalPrefix = redisPrefix();
  try {
    const mock = await startMock({ latencyMs: 0 });
    const common = { ...mockProviderEnv(mock), ENABLE_CACHING: 'true', ANALYTICS_ENABLED: 'true' };
    const gwMem = await startGateway({ name: 'gateway (memory cache)', env: common });
    const gwNoAnalytics = await startGateway({ name: 'gateway (memory cache, analytics off)', env: { ...common, ANALYTICS_ENABLED: 'false' } });
    const gwRedis = redis
      ? await startGateway({ name: 'gateway (redis cache)', env: { ...common, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix } })
      : null;
    const gwRedisNoLocal = redis
      ? await startGateway({ name: 'gateway (redis cache, no local tier)', env: { ...common, REDIS_URL: redis.url, REDIS_KEY_PREFIX: noLocalPrefix, CACHE_LOCAL_ENTRIES: '0' } })
      : null;
    // The compose deployment: PostgreSQL for the records, Redis for the cache.
    const gwRedisPg = db
      ? await startGateway({ name: 'gateway (redis cache, postgresql)', env: { ...common, REDIS_URL: redis!.url, REDIS_KEY_PREFIX: pgPrefix, DATABASE_URL: db.url } })
      : null;
    const tokMem = await gwMem.token();
    const tokNoAnalytics = await gwNoAnalytics.token();
    const tokRedis = gwRedis ? await gwRedis.token() : '';
    await warm(gwMem, tokMem);
    await warm(gwNoAnalytics, tokNoAnalytics);
    if (gwRedis) await warm(gwRedis, tokRedis);
    const tokRedisNoLocal = gwRedisNoLocal ? await gwRedisNoLocal.token() : '';
    if (gwRedisNoLocal) await warm(gwRedisNoLocal, tokRedisNoLocal);
    const tokRedisPg = gwRedisPg ? await gwRedisPg.token() : '';
    if (gwRedisPg) await warm(gwRedisPg, tokRedisPg);

    const targets: Target[] = [
      { id: 'health', label: 'GET /health (floor)', url: gwMem.url, requests: [buildRequest('GET', `${gwMem.url}/health`)] },
      { id: 'memory', label: 'cache hit, memory store', url: gwMem.url, requests: prompts.map((p) => restRequest(gwMem, tokMem, p)) },
    ];
    targets.push({ id: 'memory-noanalytics', label: 'cache hit, memory store, analytics off', url: gwNoAnalytics.url, requests: prompts.map((p) => restRequest(gwNoAnalytics, tokNoAnalytics, p)) });
    if (gwRedis) targets.push({ id: 'redis', label: 'cache hit, Redis (embedded database)', url: gwRedis.url, requests: prompts.map((p) => restRequest(gwRedis, tokRedis, p)) });
    if (gwRedisNoLocal) targets.push({ id: 'redis-nolocal', label: 'cache hit, Redis, no local tier (embedded database)', url: gwRedisNoLocal.url, requests: prompts.map((p) => restRequest(gwRedisNoLocal, tokRedisNoLocal, p)) });
    if (gwRedisPg) targets.push({ id: 'redis-pg', label: 'cache hit, Redis + PostgreSQL', url: gwRedisPg.url, requests: prompts.map((p) => restRequest(gwRedisPg, tokRedisPg, p)) });
    // Every measured request must be a hit.
    const notHit = (r: { status: number; body: Buffer }) => r.status >= 400 || !r.body.includes('"cached":true');
    for (const t of targets) if (t.id !== 'health') t.isError = notHit;
    for (const t of targets) await verify(t, t.id === 'health' ? '"ok"' : '"cached":true');

    await interleavedRounds(targets, { rounds: 2, connections: 8, durationMs: args.quick ? 300 : 1500, warmupMs: 0 });
    const byConn: Record<number, Awaited<ReturnType<typeof interleavedRounds>>> = {};
    for (const c of CONNECTIONS) {
      // The gateway opens database connections as load needs them: pin the new backends too.
      await db?.pinBackends();
      process.stderr.write(`${c} connection(s): ${rounds} rounds of ${durationMs} ms\n`);
      byConn[c] = await interleavedRounds(targets, { rounds, connections: c, durationMs, warmupMs: 200 });
    }
    const rows = targets.flatMap((t) => CONNECTIONS.map((c) => {
      const runs = byConn[c]![t.id]!;
      return {
        id: t.id, label: t.label, connections: c,
        p50: med(runs, (r) => r.latency.p50), p99: med(runs, (r) => r.latency.p99), rps: med(runs, (r) => r.rps),
        errors: runs.reduce((n, r) => n + r.errors, 0),
      };
    }));
    const p99At1 = (id: string) => rows.find((r) => r.id === id && r.connections === 1)?.p99 ?? NaN;
    // The targets are measured as deployed (local tier on); the no-local-tier row is in the first table.
    const checked: [string, string][] = [['memory cache-hit p99 < 2 ms at 1 connection', 'memory']];
    if (gwRedis) checked.push(['Redis cache-hit p99 < 2 ms at 1 connection (embedded database)', 'redis']);
    if (gwRedisPg) checked.push(['Redis cache-hit p99 < 2 ms at 1 connection (PostgreSQL)', 'redis-pg']);
    const targetsMet = Object.fromEntries(checked.map(([k, id]) => [k, p99At1(id) < TARGET_P99_MS]));

    printTable(`Cache hits, REST POST /api/ai/openai (median of ${rounds} interleaved rounds, ms)`, ['target', 'connections', 'p50', 'p99', 'req/s', 'errors'],
      rows.map((r) => [r.label, r.connections, r.p50, r.p99, r.rps, r.errors]));
    printTable('Target: cache-hit p99 < 2 ms at 1 connection', ['target', 'p99 at 1 connection', 'met'],
      checked.map(([k, id]) => [k, p99At1(id), targetsMet[k]!]));
    return {
      setup: { pinning: 'gateways, their Redis and their PostgreSQL backends on core 0; mock and load generator on core 1', keys, rounds, durationMs, connections: CONNECTIONS, redis: redis?.description ?? null, postgresql: db ? 'a database of its own on the local PostgreSQL (its backends pinned to core 0; the server\'s other processes not)' : null, analytics: 'on, except the row that says off', localTier: 'CACHE_LOCAL_ENTRIES default (1,000) on the Redis rows, 0 on the row that says so' },
      rows, targetsMet, raw: byConn,
    };
  } finally {
    if (redis) {
      await stopAll(); // the gateways (and a private Redis) first, so that none writes after the clean-up
      if (redis.shared) {
        let n = 0;
        for (const p of [prefix, noLocalPrefix, pgPrefix]) n += await deleteRedisPrefix(p, redis.url);
        console.log(`deleted ${n} Redis keys under ${prefix}, ${noLocalPrefix} and ${pgPrefix}`);
      }
      await db?.drop();
    }
  }
});
