// The Prisma client over one of two backends: PostgreSQL through @prisma/adapter-pg
// when DATABASE_URL is set, the embedded PGlite otherwise. Migrations are applied
// before the client is handed out. Each backend's driver is imported only when it is used. The
// embedded database takes DATA_DIR for its process (src/db/data-dir-lock.ts): a second gateway on
// the same folder refuses to start.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDataDir } from './data-dir-lock.js';
import { applyMigrations, type MigrationReport } from './migrate.js';
import { isPgliteDataDir, pgliteTemplateDir, seedFromTemplate } from './pglite-template.js';
import { PgliteThread } from './pglite-thread.js';
import { pgRunner, type SqlRunner } from './sql-runner.js';
import { reasonOf, StartupError } from '../startup-error.js';

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Skip applying migrations (tests that build the schema themselves). */
  migrate?: boolean;
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number;
  /** How long a query waits for a connection (a new one, or a free one in a full pool), ms (default 5000). */
  connectTimeoutMs?: number;
  /** Told what a start does that takes a while (creating the embedded database, each migration). */
  log?: StartupLog;
  /** Told when the embedded database's thread stops unexpectedly, and when it is back. */
  warn?: StartupLog;
}

export type StartupLog = (message: string, fields?: Record<string, unknown>) => void;

export interface Database {
  prisma: PrismaClient;
  backend: 'postgresql' | 'pglite';
  sql: SqlRunner;
  migrations: MigrationReport;
  /** The embedded database's thread (pglite backend only). */
  thread?: PgliteThread;
  /** Round-trip time of a trivial query, in ms; throws when unreachable. */
  ping(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options.migrate, options.log, options.warn);
}

async function openPostgres(url: string, { migrate = true, poolSize = 10, connectTimeoutMs = 5_000, log }: DatabaseOptions): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  // A query that cannot get a connection within connectTimeoutMs fails (a 503, see
  // isDatabaseUnavailable) instead of waiting behind a dead or saturated database.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeoutMs, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restarted) must not crash the process.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    throw new StartupError(
      `Cannot connect to the database at ${withoutPassword(url)} (${reasonOf(e)})`,
      'check DATABASE_URL and that PostgreSQL runs there and accepts this user, or unset DATABASE_URL to use the embedded database',
      { cause: e },
    );
  }
  const sql = pgRunner(pool);
  const migrations = migrate ? await applyMigrations(sql, undefined, log) : { applied: [], alreadyApplied: [] };
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return finish('postgresql', prisma, sql, migrations, async () => {
    await prisma.$disconnect();
    await pool.end();
  });
}

// The embedded database serves one process: PostgreSQL's default shared buffers, sized
// for a server, would only add resident memory and start-up time.
export const PGLITE_OPTIONS: PGliteOptions = { postgresqlconf: 'shared_buffers=16MB' };

// PGlite runs on a thread of its own (pglite-worker.ts): its statements, a batch of usage
// rows with the triggers it fires above all, no longer hold the requests' event loop.
async function openPglite(dataDir: string, migrate = true, log?: StartupLog, warn?: StartupLog): Promise<Database> {
  const opened = (dir: string | null, release?: () => void) => openedPglite(PgliteThread.start({ dir, options: PGLITE_OPTIONS, warn }), migrate, log, release);
  if (dataDir.startsWith('memory://')) return opened(null);
  // Before the lock, which writes its file there.
  ensureWritableFolder(resolve(dataDir));
  const lock = await lockDataDir(dataDir);
  try {
    const dir = resolve(dataDir, 'pglite');
    if (!isPgliteDataDir(dir)) {
      const template = pgliteTemplateDir();
      if (template && isPgliteDataDir(template)) {
        log?.('creating the embedded database from its install-time template (first start only)', { dir });
        seedFromTemplate(dir, template);
      } else {
        log?.('creating the embedded database (first start only; initdb takes several seconds)', { dir });
      }
    }
    mkdirSync(dir, { recursive: true });
    return await opened(dir, () => lock.release());
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function openedPglite(starting: Promise<PgliteThread>, migrate: boolean, log?: StartupLog, release = () => {}): Promise<Database> {
  const thread = await starting;
  try {
    const sql = thread.sql;
    const migrations = migrate ? await applyMigrations(sql, undefined, log) : { applied: [], alreadyApplied: [] };
    const prisma = new PrismaClient({ adapter: thread.adapter() });
    const db = finish('pglite', prisma, sql, migrations, async () => {
      try {
        await prisma.$disconnect();
        await thread.close();
      } finally {
        release();
      }
    });
    db.thread = thread;
    return db;
  } catch (e) {
    await thread.close().catch(() => {});
    throw e;
  }
}

/** Creates `dir` if needed and writes a file in it, so that a folder the gateway cannot use is reported as such. */
function ensureWritableFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new StartupError(`Cannot write the data folder ${dir} (${reasonOf(e)})`, 'set DATA_DIR to a folder this user can write, or change its permissions', { cause: e });
  }
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
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
