// A PostgreSQL database of the benchmark's own (created, then dropped WITH (FORCE)), made
// as the tests make theirs.
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from '../../test/helpers/scratch-db.js';
import { SERVER_CPU, pinPids } from './proc.js';

export const BENCH_PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase extends ScratchDatabase {
  /**
   * Pins the PostgreSQL backends now serving this database to the servers' core, beside
   * the gateway (PostgreSQL's processes are otherwise moved between cores by the scheduler,
   * onto the load generator's too). Call it once the gateway has opened its connections.
   */
  pinBackends(cpu?: string): Promise<number>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const db = await createScratchDatabase(BENCH_PG_ADMIN_URL, 'aigw_bench');
  return {
    ...db,
    async pinBackends(cpu = SERVER_CPU) {
      const c = new pg.Client({ connectionString: BENCH_PG_ADMIN_URL });
      await c.connect();
      try {
        const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [db.name]);
        return pinPids(rows.map((r) => r.pid), cpu);
      } finally {
        await c.end();
      }
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
