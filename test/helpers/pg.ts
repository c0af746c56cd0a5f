import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { TEST_PG_ADMIN_URL } from './env.js';

/** Creates an empty database of its own; drop() removes it (terminating leftover connections). */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `aigw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated database of the test's own on either backend; dispose() closes (and drops) it. */
export async function openTestDatabase(backend: 'postgresql' | 'pglite'): Promise<{ db: Database; dispose(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://' });
    return { db, dispose: () => db.close() };
  }
  const t = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: t.url, dataDir: '' });
  return {
    db,
    async dispose() {
      await db.close();
      await t.drop();
    },
  };
}
