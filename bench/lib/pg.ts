// A PostgreSQL database of the benchmark's own (created, then dropped WITH (FORCE)).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SERVER_CPU, pinPids } from './proc.js';

export const BENCH_PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  name: string;
  /**
   * Pins the PostgreSQL backends now serving this database to the servers' core, beside
   * the gateway (PostgreSQL's processes are otherwise moved between cores by the scheduler,
   * onto the load generator's too). Call it once the gateway has opened its connections.
   */
  pinBackends(cpu?: string): Promise<number>;
  drop(): Promise<void>;
}

async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: BENCH_PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `aigw_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async pinBackends(cpu = SERVER_CPU) {
      const rows = await adminQuery<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
      return pinPids(rows.map((r) => r.pid), cpu);
    },
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: BENCH_PG_ADMIN_URL, connectionTimeoutMillis: 1_000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
