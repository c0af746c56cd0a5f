// Fails fast, with a clear message, when the PostgreSQL or Redis the suite needs is not running.
import pg from 'pg';
import { Redis } from 'ioredis';
import { TEST_PG_ADMIN_URL, TEST_REDIS_URL } from './helpers/env.js';

export default async function setup() {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
  } catch (e) {
    throw new Error(`Tests need PostgreSQL at ${TEST_PG_ADMIN_URL} (set TEST_PG_ADMIN_URL): ${(e as Error).message}`);
  }
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw new Error(`Tests need Redis at ${TEST_REDIS_URL} (set TEST_REDIS_URL): ${(e as Error).message}`);
  } finally {
    r.disconnect();
  }
}
