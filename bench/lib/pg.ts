// A PostgreSQL database of the benchmark's own (created, then dropped WITH (FORCE)).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const BENCH_PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function createDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `aigw_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BENCH_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BENCH_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: BENCH_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
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
