// Applies prisma/migrations the way Prisma Migrate does, so `prisma migrate
// deploy` on a machine with Prisma's engines sees them as applied: same
// bookkeeping table, same checksum (sha256 of migration.sql), one transaction
// per migration, under Prisma's advisory lock so concurrent instances do not race.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SqlRunner } from './sql-runner.js';

/** The advisory lock key Prisma Migrate takes on PostgreSQL. */
const PRISMA_ADVISORY_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export function defaultMigrationsDir(): string {
  return resolve(process.cwd(), 'prisma', 'migrations');
}

export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export async function applyMigrations(
  runner: SqlRunner,
  migrations = readMigrations(),
  /** Told before each migration that is applied. */
  log?: (message: string, fields: Record<string, unknown>) => void,
): Promise<MigrationReport> {
  return runner.withSession(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    try {
      await s.query(CREATE_TABLE);
      const rows = await s.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
      );
      const failed = rows.find((r) => r.finished_at === null);
      if (failed) {
        throw new Error(`Migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back`);
      }
      const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      const report: MigrationReport = { applied: [], alreadyApplied: [] };
      const pending = migrations.filter((m) => !done.has(m.name)).length;
      for (const m of migrations) {
        const previous = done.get(m.name);
        if (previous !== undefined) {
          if (previous !== m.checksum) {
            throw new Error(`Migration ${m.name} was modified after it was applied (checksum differs)`);
          }
          report.alreadyApplied.push(m.name);
          continue;
        }
        log?.('applying database migration', { migration: m.name, step: `${report.applied.length + 1} of ${pending}` });
        const id = randomUUID();
        await s.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
          [id, m.checksum, m.name],
        );
        try {
          await s.execInTransaction(m.sql);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          await s.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
          throw new Error(`Migration ${m.name} failed: ${message}`);
        }
        await s.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        report.applied.push(m.name);
      }
      return report;
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]);
    }
  });
}
