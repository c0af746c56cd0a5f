// Start-up time and memory: from process start to GET /health answering, to a
// login, to the first POST /api/ai/local completion; RSS idle (20 s after the spawn) and under load.
// Embedded mode (fresh DATA_DIR = first boot with migrations, then a second boot
// of the same folder) and PostgreSQL + Redis mode (a database of our own, Redis DB 14).
//   node --import tsx bench/startup.ts [--quick] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, numberArg, sleep } from './lib/args.js';
import { buildRequest, closedLoop } from './lib/http-load.js';
import { createDatabase, pgReachable } from './lib/pg.js';
import { cpuSeconds, rssMiB, sampleRss } from './lib/proc.js';
import { benchRedis, deleteRedisPrefix, redisPrefix } from './lib/redis.js';
import { runBench } from './lib/run.js';
import { login, startCommand, startGateway } from './lib/servers.js';
import { median } from './lib/stats.js';
import { describe } from './lib/suite.js';
import { printTable } from './lib/table.js';

const args = benchArgs({ rounds: { type: 'string' }, 'load-ms': { type: 'string' } });
const rounds = numberArg(args, 'rounds', args.quick ? 1 : 2);
const loadMs = numberArg(args, 'load-ms', args.quick ? 1000 : 3000);
const LOAD_CONNECTIONS = 16;
const IDLE_AFTER_SPAWN_MS = 20_000;

interface Boot {
  mode: string;
  boot: 'first' | 'second';
  healthMs: number;
  loginMs: number;
  firstCompletionMs: number;
  /** CPU seconds (all threads) the gateway used until then: less sensitive to a loaded machine than the times. */
  cpuToFirstCompletionS: number;
  rssIdleMiB: number;
  rssLoadPeakMiB?: number;
  loadRps?: number;
}

async function boot(mode: string, which: Boot['boot'], env: Record<string, string | undefined>, dataDir: string | undefined, withLoad: boolean): Promise<Boot> {
  const gw = await startGateway({ name: `gateway (${mode}, ${which} boot)`, env: { ...env, ENABLE_CACHING: 'true', ANALYTICS_ENABLED: 'true' }, dataDir });
  try {
    const t0 = gw.proc.spawnedAt;
    const token = await login(gw.url);
    const loggedIn = performance.now();
    const res = await fetch(`${gw.url}/api/ai/local`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Explain what is artificial intelligence in 100 words', max_tokens: 200 }),
    });
    const text = await res.text();
    const answered = performance.now();
    const cpuToFirstCompletionS = cpuSeconds(gw.proc.pid);
    if (res.status !== 200) throw new Error(`first completion: HTTP ${res.status} ${text}`);
    // Idle: 20 s after the spawn (at least 1.5 s after the first completion, on a slow start).
    await sleep(Math.max(1_500, t0 + IDLE_AFTER_SPAWN_MS - performance.now()));
    const b: Boot = { mode, boot: which, healthMs: gw.healthyAt - t0, loginMs: loggedIn - t0, firstCompletionMs: answered - t0, cpuToFirstCompletionS, rssIdleMiB: rssMiB(gw.proc.pid) };
    if (withLoad) {
      // Distinct prompts with no_cache: every request reaches the local provider and is recorded.
      const requests = Array.from({ length: 64 }, (_, i) => buildRequest('POST', `${gw.url}/api/ai/local`, { authorization: `Bearer ${token}` }, { prompt: `Load prompt ${i}: what is a gateway?`, max_tokens: 50, no_cache: true }));
      const rss = sampleRss(gw.proc.pid, 50);
      const r = await closedLoop({ url: gw.url, requests, connections: LOAD_CONNECTIONS, durationMs: loadMs, warmupMs: 0 });
      const peak = rss.stop();
      process.stderr.write(`  load on ${mode}: ${describe(r)}\n`);
      b.rssLoadPeakMiB = peak.peakMiB;
      b.loadRps = r.rps;
    }
    process.stderr.write(`  ${mode} ${which} boot: health ${b.healthMs.toFixed(0)} ms, login ${b.loginMs.toFixed(0)} ms, first completion ${b.firstCompletionMs.toFixed(0)} ms (CPU ${b.cpuToFirstCompletionS.toFixed(2)} s), RSS idle ${b.rssIdleMiB.toFixed(0)} MiB${b.rssLoadPeakMiB ? `, under load ${b.rssLoadPeakMiB.toFixed(0)} MiB` : ''}\n`);
    return b;
  } finally {
    await gw.stop();
  }
}

await runBench('startup', async () => {
  const boots: Boot[] = [];
  const redis = (await pgReachable()) ? await benchRedis() : null;
  if (!redis) console.error('PostgreSQL or Redis not reachable: embedded mode only');
  try {
    for (let r = 1; r <= rounds; r++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'aigw-bench-startup-'));
      try {
        boots.push(await boot('embedded', 'first', {}, dir, false));
        boots.push(await boot('embedded', 'second', {}, dir, true));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (redis) {
        const db = await createDatabase();
        const prefix = redisPrefix();
        const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix };
        try {
          boots.push(await boot('postgres+redis', 'first', env, undefined, false));
          boots.push(await boot('postgres+redis', 'second', env, undefined, true));
        } finally {
          await db.drop();
          await deleteRedisPrefix(prefix, redis.url);
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  const groups = [...new Set(boots.map((b) => `${b.mode}|${b.boot}`))].map((k) => {
    const [mode, which] = k.split('|') as [string, Boot['boot']];
    const bs = boots.filter((b) => b.mode === mode && b.boot === which);
    const m = (f: (b: Boot) => number | undefined) => median(bs.map(f).filter((x): x is number => x !== undefined));
    return {
      mode, boot: which, runs: bs.length,
      healthMs: m((b) => b.healthMs), loginMs: m((b) => b.loginMs), firstCompletionMs: m((b) => b.firstCompletionMs), cpuS: m((b) => b.cpuToFirstCompletionS),
      rssIdleMiB: m((b) => b.rssIdleMiB), rssLoadPeakMiB: m((b) => b.rssLoadPeakMiB), loadRps: m((b) => b.loadRps),
    };
  });
  printTable(`Start-up (from spawn; median of ${rounds} rounds) and memory`, ['mode', 'boot', '/health answers (ms)', 'login answers (ms)', 'first completion (ms)', 'CPU until then (s)', 'RSS idle (MiB)', `RSS peak under load (MiB)`, 'load req/s'],
    groups.map((g) => [g.mode, g.boot, g.healthMs, g.loginMs, g.firstCompletionMs, g.cpuS, g.rssIdleMiB, g.rssLoadPeakMiB, g.loadRps]));
  return {
    setup: {
      command: `${Object.entries(startCommand().env).map(([k, v]) => `${k}=${v} `).join('')}node ${startCommand().args.join(' ')} (NODE_ENV=production), pinned to core 0, after its prestart`,
      idle: `RSS ${IDLE_AFTER_SPAWN_MS / 1000} s after the spawn (at least 1.5 s after the first completion)`,
      first: 'embedded: fresh DATA_DIR temp dir (migrations run); postgres+redis: fresh database',
      load: `${LOAD_CONNECTIONS} connections for ${loadMs} ms of POST /api/ai/local (64 distinct prompts, no_cache), RSS sampled every 50 ms`,
      rounds,
    },
    summary: groups, boots,
  };
});
