// The Prisma client over one of two backends: PostgreSQL through @prisma/adapter-pg
// when DATABASE_URL is set, the embedded PGlite otherwise. Migrations are applied
// before the client is handed out. The embedded database takes DATA_DIR for its process
// (src/db/data-dir-lock.ts): a second gateway on the same folder refuses to start.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDataDir } from './data-dir-lock.js';
import { applyMigrations, type MigrationReport } from './migrate.js';
import { pgliteRunner, pgRunner, type SqlRunner } from './sql-runner.js';

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Skip applying migrations (tests that build the schema themselves). */
  migrate?: boolean;
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number;
  /** How long a query waits for a connection (a new one, or a free one in a full pool), ms (default 5000). */
  connectTimeoutMs?: number;
}

export interface Database {
  prisma: PrismaClient;
  backend: 'postgresql' | 'pglite';
  sql: SqlRunner;
  migrations: MigrationReport;
  /** Round-trip time of a trivial query, in ms; throws when unreachable. */
  ping(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options.migrate);
}

async function openPostgres(url: string, { migrate = true, poolSize = 10, connectTimeoutMs = 5_000 }: DatabaseOptions): Promise<Database> {
  // A query that cannot get a connection within connectTimeoutMs fails (a 503, see
  // isDatabaseUnavailable) instead of waiting behind a dead or saturated database.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeoutMs, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restarted) must not crash the process.
  pool.on('error', () => {});
  const sql = pgRunner(pool);
  const migrations = migrate ? await applyMigrations(sql) : { applied: [], alreadyApplied: [] };
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return finish('postgresql', prisma, sql, migrations, async () => {
    await prisma.$disconnect();
    await pool.end();
  });
}

// The embedded database serves one process: PostgreSQL's default 128 MB of shared
// buffers only adds resident memory (about 125 MB) and a second to start-up.
const PGLITE_CONF = 'shared_buffers=16MB';

async function openPglite(dataDir: string, migrate = true): Promise<Database> {
  if (dataDir.startsWith('memory://')) return openedPglite(await PGlite.create({ postgresqlconf: PGLITE_CONF }), migrate);
  const lock = await lockDataDir(dataDir);
  try {
    const dir = resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    return await openedPglite(await PGlite.create(dir, { postgresqlconf: PGLITE_CONF }), migrate, () => lock.release());
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function openedPglite(db: PGlite, migrate: boolean, release = () => {}): Promise<Database> {
  try {
    const sql = pgliteRunner(db);
    const migrations = migrate ? await applyMigrations(sql) : { applied: [], alreadyApplied: [] };
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    return finish('pglite', prisma, sql, migrations, async () => {
      try {
        await prisma.$disconnect();
        await db.close();
      } finally {
        release();
      }
    });
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

function finish(
  backend: Database['backend'],
  prisma: PrismaClient,
  sql: SqlRunner,
  migrations: MigrationReport,
  close: () => Promise<void>,
): Database {
  let closed = false;
  return {
    prisma,
    backend,
    sql,
    migrations,
    async ping(timeoutMs = 2_000) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          sql.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      return performance.now() - started;
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
