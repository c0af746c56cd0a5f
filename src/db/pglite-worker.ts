// The embedded database's own thread (started by pglite-thread.ts). PGlite runs PostgreSQL
// compiled to WebAssembly synchronously on the thread that calls it: on the request thread a
// batch of usage rows (with the rollup triggers it fires) held every request for tens of
// milliseconds. Here it holds only this thread. This thread owns the PGlite instance, Prisma's
// PGlite driver adapter over it, and the SQL runner the migrations and the recorder use; the
// main thread sends each operation as a message and gets its result (or its error) back.
//
// Its scheduling priority is lowered (nice 10; the nice value is per thread on Linux): sharing
// a core with the request thread, the database's writes take the time the requests leave rather
// than interleaving with them at equal weight (bench/profile.ts, 64 connections on one core:
// event-loop delay p99 25-30 ms at nice 10, 42-46 ms at nice 0). The cost: a query a request
// waits for (a user or key not in the auth cache, a login) waits behind the statement in
// progress, which runs at that lower priority when other processes want the core too.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { IsolationLevel, SqlDriverAdapter, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { pgliteRunner } from './sql-runner.js';

export interface WorkerData {
  /** A folder, or null for an in-memory database. */
  dir: string | null;
  options: PGliteOptions;
  /** Nice value for this thread (0: unchanged). */
  nice: number;
}

export type Request = { id: number; op: string; args: unknown[] };
export type Reply = { id: number; result?: unknown; error?: SerializedError };
/** What the main thread needs of an error to act on it as it would on the driver's own. */
export type SerializedError = { name: string; message: string; fields: Record<string, unknown>; driverCause?: Record<string, unknown> };

export function serializeError(e: unknown): SerializedError {
  const err = (e && typeof e === 'object' ? e : new Error(String(e))) as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  // A PostgreSQL error's code, severity, detail, column, constraint...: plain values only.
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  const driverCause = err.name === 'DriverAdapterError' && err.cause && typeof err.cause === 'object' ? { ...(err.cause as Record<string, unknown>) } : undefined;
  return { name: err.name ?? 'Error', message: String(err.message ?? e), fields, driverCause };
}

async function main() {
  const port = parentPort!;
  const data = workerData as WorkerData;
  if (data.nice) {
    try {
      setPriority(data.nice);
    } catch {
      // not permitted here: the thread keeps the process's priority
    }
  }
  let db: PGlite;
  let adapter: SqlDriverAdapter;
  try {
    db = data.dir ? await PGlite.create(data.dir, data.options) : await PGlite.create(data.options);
    adapter = await new PrismaPGlite(db).connect();
  } catch (e) {
    port.postMessage({ id: 0, error: serializeError(e) } satisfies Reply);
    return;
  }
  const sql = pgliteRunner(db);
  const transactions = new Map<number, Transaction>();
  const tx = (id: number) => {
    const t = transactions.get(id);
    if (!t) throw new Error(`transaction ${id} is not open`);
    return t;
  };
  const on = (txId: number | null) => (txId === null ? adapter : tx(txId));
  const ops: Record<string, (...args: never[]) => Promise<unknown>> = {
    query: (text: string, params?: unknown[]) => sql.query(text, params),
    copyCsv: (table: string, columns: string[], csv: string) => sql.copyCsv!(table, columns, csv),
    execInTransaction: (script: string) => sql.withSession((s) => s.execInTransaction(script)),
    queryRaw: (txId: number | null, q: SqlQuery) => on(txId).queryRaw(q),
    executeRaw: (txId: number | null, q: SqlQuery) => on(txId).executeRaw(q),
    executeScript: (script: string) => adapter.executeScript(script),
    startTransaction: async (txId: number, isolationLevel?: IsolationLevel) => {
      const t = await adapter.startTransaction(isolationLevel);
      transactions.set(txId, t);
      return t.options;
    },
    commit: async (txId: number) => {
      const t = tx(txId);
      transactions.delete(txId);
      await t.commit();
    },
    rollback: async (txId: number) => {
      const t = tx(txId);
      transactions.delete(txId);
      await t.rollback();
    },
    // The main thread ends this thread once it has the answer.
    close: () => db.close(),
  };
  // Async: an operation that throws at once (a query on a transaction that is not open) fails
  // its call instead of ending this thread.
  const run = async (m: Request) => {
    const op = ops[m.op];
    if (!op) throw new Error(`unknown operation ${m.op}`);
    return op(...(m.args as never[]));
  };
  port.on('message', (m: Request) => {
    run(m).then(
      (result) => port.postMessage({ id: m.id, result } satisfies Reply),
      (e: unknown) => port.postMessage({ id: m.id, error: serializeError(e) } satisfies Reply),
    );
  });
  port.postMessage({ id: 0, result: 'ready' } satisfies Reply);
}

await main();
