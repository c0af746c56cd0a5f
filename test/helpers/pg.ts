import { createScratchDatabase, type ScratchDatabase } from './scratch-db.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { TEST_PG_ADMIN_URL } from './env.js';

/** An empty database of the test's own. */
export function createTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(TEST_PG_ADMIN_URL, 'aigw_test');
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
