// The few raw SQL operations the migration runner and health checks need, over
// either backend (a pg pool or an embedded PGlite instance).
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * COPY rows given as CSV into a table, where the backend makes that cheap (the embedded
   * database, through a blob); undefined elsewhere.
   */
  copyCsv?(table: string, columns: string[], csv: string): Promise<void>;
  /** Runs fn on one connection (session-level locks hold across its statements). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements in one transaction. */
  execInTransaction(script: string): Promise<void>;
}

export function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          async query(sql, params) {
            return (await client.query(sql, params as unknown[])).rows;
          },
          async execInTransaction(script) {
            await client.query('BEGIN');
            try {
              await client.query(script);
              await client.query('COMMIT');
            } catch (e) {
              await client.query('ROLLBACK');
              throw e;
            }
          },
        });
      } finally {
        client.release();
      }
    },
  };
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const session: SqlSession = {
    async query(sql, params) {
      return (await db.query(sql, params as unknown[])).rows as never[];
    },
    async execInTransaction(script) {
      await db.transaction(async (tx) => {
        await tx.exec(script);
      });
    },
  };
  return {
    query: session.query,
    withSession: (fn) => fn(session),
    async copyCsv(table, columns, csv) {
      await db.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
    },
  };
}
