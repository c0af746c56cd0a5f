// The main thread's side of the embedded database's thread (pglite-worker.ts): a SQL runner
// and a Prisma driver adapter (the public SqlDriverAdapter interface) whose every operation is
// a message to that thread, answered with its result or its error rebuilt as the driver's.
//
// If the thread dies, what was sent to it and everything sent until it is back fails at once
// as the database being unavailable (SQLSTATE 08006; a ConnectionClosed driver error for
// Prisma): requests answer 503 or from their caches, the recorder keeps its calls and retries.
// A new thread is started on the same folder after a second, then after up to 30 s between
// failed attempts ('restarted' is emitted when it is back). An in-memory database died with its
// thread: it stays unavailable.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { PGliteOptions } from '@electric-sql/pglite';
import type { IsolationLevel, SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlResultSet, Transaction, TransactionOptions } from '@prisma/driver-adapter-utils';
import type { Reply, SerializedError, WorkerData } from './pglite-worker.js';
import type { SqlRunner } from './sql-runner.js';
import { isPgliteDataDir } from './pglite-template.js';

/** The thread's nice value: below the request thread's when they share a core (see pglite-worker.ts). */
const WORKER_NICE = 10;
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;
const ADAPTER_NAME = 'pglite-prisma-adapter';

export interface PgliteThreadOptions {
  /** The database folder, or null for an in-memory database. */
  dir: string | null;
  options: PGliteOptions;
  /** Told when the thread stops unexpectedly and when it is back. */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Run from the sources (tests, tsx) the thread loads the TypeScript file through tsx; built, the JavaScript beside this one. */
const fromSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(fromSource ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);

/** What a call gets while the thread is not running: a connection failure, as the database being unavailable (errors.ts). */
export class ThreadUnavailableError extends Error {
  readonly code = '08006';
  readonly severity = 'FATAL';
  constructor(reason: string) {
    super(`The embedded database is unavailable: ${reason}`);
  }
}

function rebuild(e: SerializedError): Error {
  const err = Object.assign(new Error(e.message), e.fields);
  err.name = e.name;
  if (e.driverCause) err.cause = e.driverCause;
  return err;
}

export class PgliteThread extends EventEmitter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Transaction ids are the main thread's: one of a thread that died never names one of the next. */
  private nextTx = 1;
  /** Transactions numbered below this were begun on a thread that has stopped: over, as on a closed connection. */
  private txLostBelow = 1;
  private closing = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** A new thread being started: close() waits for it (two threads must never have the folder open). */
  private restarting: Promise<void> | null = null;
  private restartDelayMs = RESTART_FIRST_MS;
  /** Times the thread was started again after stopping. */
  restarts = 0;

  private constructor(private readonly o: PgliteThreadOptions) {
    super();
  }

  /** Starts the thread and opens the database in it; rejects with the database's error when it cannot. */
  static async start(o: PgliteThreadOptions): Promise<PgliteThread> {
    const t = new PgliteThread(o);
    await t.spawn();
    return t;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const data: WorkerData = { dir: this.o.dir, options: this.o.options, nice: WORKER_NICE };
      const w = fromSource
        ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, { eval: true, workerData: data })
        : new Worker(WORKER_URL, { workerData: data });
      let opened = false;
      let failure: Error | undefined;
      w.on('message', (m: Reply) => {
        if (m.id === 0) {
          if (m.error) {
            failure = rebuild(m.error);
            void w.terminate();
          } else {
            opened = true;
            this.worker = w;
            resolve();
          }
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(rebuild(m.error));
        else p.resolve(m.result);
      });
      w.on('error', (e) => {
        failure = e;
      });
      w.on('exit', (code) => {
        if (!opened) {
          reject(failure ?? new Error(`the embedded database's thread exited (code ${code}) before opening the database`));
          return;
        }
        if (this.worker !== w) return;
        this.worker = null;
        this.txLostBelow = this.nextTx;
        const reason = failure ? `its thread failed (${failure.message})` : `its thread exited (code ${code})`;
        this.failPending(new ThreadUnavailableError(reason));
        if (this.closing) return;
        if (this.o.dir === null) {
          this.o.warn?.('the in-memory embedded database stopped; it stays unavailable', { reason });
          return;
        }
        this.o.warn?.('the embedded database stopped; starting it again', { reason, retryInMs: this.restartDelayMs });
        this.scheduleRestart();
      });
    });
  }

  private scheduleRestart() {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing) return;
      // A folder that is no longer a database (deleted or moved while running) is not started:
      // PGlite would create an empty database there, without the gateway's tables or its data.
      const dir = this.o.dir;
      const attempt = dir !== null && !isPgliteDataDir(dir) ? Promise.reject(new Error(`${dir} is no longer an embedded database folder (moved or deleted?)`)) : this.spawn();
      this.restarting = attempt.then(
        () => {
          this.restarts++;
          this.restartDelayMs = RESTART_FIRST_MS;
          if (this.closing) return;
          this.o.warn?.('the embedded database is back');
          this.emit('restarted');
        },
        (e: unknown) => {
          this.restartDelayMs = Math.min(this.restartDelayMs * 2, RESTART_MAX_MS);
          this.o.warn?.('the embedded database could not be started again', { error: (e as Error).message, retryInMs: this.restartDelayMs });
          if (!this.closing) this.scheduleRestart();
        },
      );
      void this.restarting.finally(() => {
        this.restarting = null;
      });
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }

  /** Sends one operation to the thread. */
  call<T>(op: string, ...args: unknown[]): Promise<T> {
    if (this.closing) return Promise.reject(new ThreadUnavailableError('it is closed'));
    return this.send(op, args);
  }

  private send<T>(op: string, args: unknown[]): Promise<T> {
    const w = this.worker;
    if (!w) return Promise.reject(new ThreadUnavailableError(this.closing ? 'it is closed' : 'its thread stopped'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        w.postMessage({ id, op, args });
      } catch (e) {
        // An argument that cannot be copied to the thread.
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  readonly sql: SqlRunner = {
    query: (text, params) => this.call('query', text, params),
    copyCsv: (table, columns, csv) => this.call('copyCsv', table, columns, csv),
    withSession: (fn) => fn({ query: this.sql.query, execInTransaction: (script) => this.call('execInTransaction', script) }),
  };

  /** Prisma's driver adapter over this thread. */
  adapter(): SqlDriverAdapterFactory {
    return { provider: 'postgres', adapterName: ADAPTER_NAME, connect: async () => new ThreadAdapter(this) };
  }

  /** Prisma's calls: the thread's unavailability as the ConnectionClosed driver error Prisma maps to P1017. */
  prismaCall<T>(op: string, ...args: unknown[]): Promise<T> {
    return this.call<T>(op, ...args).catch(asDriverError);
  }

  /** A transaction's calls: one begun on a thread that has stopped fails as unavailable (its number means nothing to the new thread). */
  txCall<T>(tx: number, op: string, ...args: unknown[]): Promise<T> {
    if (tx < this.txLostBelow) return Promise.reject(new ThreadUnavailableError('its thread stopped during the transaction')).catch(asDriverError);
    return this.prismaCall<T>(op, tx, ...args);
  }

  txId(): number {
    return this.nextTx++;
  }

  private closed: Promise<void> | null = null;

  /** Closes the database and ends the thread (at most CLOSE_TIMEOUT_MS waiting for the database); a second call waits for the first. */
  close(): Promise<void> {
    return (this.closed ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.restarting;
    const w = this.worker;
    if (!w) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.send('close', []),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), CLOSE_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      this.o.warn?.('the embedded database did not close cleanly', { error: (e as Error).message });
    } finally {
      clearTimeout(timer);
      this.worker = null;
      await w.terminate();
      // Nothing is left waiting on a thread that is gone.
      this.failPending(new ThreadUnavailableError('it is closed'));
    }
  }

  /** Fails every call sent to a thread that is gone. */
  private failPending(err: ThreadUnavailableError): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Ends the thread as a crash would (tests of what follows one). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }
}

function asDriverError(e: unknown): never {
  if (e instanceof ThreadUnavailableError) {
    throw Object.assign(new Error(e.message), { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } });
  }
  throw e;
}

class ThreadQueryable {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(
    protected readonly thread: PgliteThread,
    private readonly tx: number | null,
  ) {}

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.run('queryRaw', query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.run('executeRaw', query);
  }

  /** A statement outside a transaction, or on this one. */
  private run<T>(op: 'queryRaw' | 'executeRaw', query: SqlQuery): Promise<T> {
    return this.tx === null ? this.thread.prismaCall(op, null, query) : this.thread.txCall(this.tx, op, query);
  }
}

class ThreadTransaction extends ThreadQueryable implements Transaction {
  constructor(
    thread: PgliteThread,
    private readonly id: number,
    readonly options: TransactionOptions,
  ) {
    super(thread, id);
  }

  commit(): Promise<void> {
    return this.thread.txCall(this.id, 'commit');
  }

  rollback(): Promise<void> {
    return this.thread.txCall(this.id, 'rollback');
  }
}

class ThreadAdapter extends ThreadQueryable implements SqlDriverAdapter {
  constructor(thread: PgliteThread) {
    super(thread, null);
  }

  executeScript(script: string): Promise<void> {
    return this.thread.prismaCall('executeScript', script);
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const id = this.thread.txId();
    const options = await this.thread.prismaCall<TransactionOptions>('startTransaction', id, isolationLevel);
    return new ThreadTransaction(this.thread, id, options);
  }

  getConnectionInfo() {
    return { supportsRelationJoins: true };
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
