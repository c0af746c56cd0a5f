// The benchmarks' Redis: a private redis-server pinned to the servers' core (so the
// scheduler does not bounce it between the gateway's core and the load generator's, which
// cost 1-2 ms at p99), or the one BENCH_REDIS_URL names (as it is, unpinned), or failing
// both the local one (DB 14). A unique key prefix per run; keys are deleted afterwards.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVER_CPU, freePort, spawnProcess, type Managed } from './proc.js';

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

export interface BenchRedis {
  url: string;
  /** How it runs, for the results file. */
  description: string;
  /** A Redis that outlives the run (its keys must be deleted); a private one just stops. */
  shared: boolean;
  stop(): Promise<void>;
}

/** Starts the benchmark's Redis (see the top of this file); null when none is reachable. */
export async function benchRedis(): Promise<BenchRedis | null> {
  if (!process.env.BENCH_REDIS_URL && hasRedisServer()) {
    const port = await freePort();
    const proc: Managed = spawnProcess('redis-server', {
      name: 'redis-server',
      args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      env: { PATH: process.env.PATH },
      cpu: SERVER_CPU,
      cwd: '/tmp',
    });
    const url = `redis://127.0.0.1:${port}/0`;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      if (await redisReachable(url)) return { url, description: `private redis-server on core ${SERVER_CPU}`, shared: false, stop: () => proc.stop(3_000) };
      await new Promise((r) => setTimeout(r, 50));
    }
    await proc.stop(1_000);
    process.stderr.write(`the private redis-server did not start: ${proc.logs()}\n`);
  }
  if (!(await redisReachable(BENCH_REDIS_URL))) return null;
  return { url: BENCH_REDIS_URL, description: `${BENCH_REDIS_URL} (not pinned)`, shared: true, stop: async () => {} };
}

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function redisPrefix(): string {
  return `aigwbench:${randomBytes(4).toString('hex')}:`;
}

export async function deleteRedisPrefix(prefix: string, url = BENCH_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function redisReachable(url = BENCH_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  redis.on('error', () => {}); // a refused connection is the answer, not an event to print
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
