// Records every completion off the request path: a call is taken in at once and handled
// (checked and made storable, listeners such as the metrics, then the write queue) once
// the event loop is done with what it was doing, which is after the answer was written;
// calls are queued in memory and written in batches.
//
// Nothing recorded is lost silently:
// - A batch the database refuses for its data has its rows at fault set aside in a
//   dead-letter table (see insert-calls.ts); the rest are written.
// - While the database is unavailable the writer retries with backoff and the queue
//   holds the calls, up to maxQueue. Past that they are appended to a spill folder on
//   disk (bounded in bytes) and read back once writes succeed again; only what the
//   spill cannot take is dropped, and every drop is counted by reason (/metrics).
//   Spilling rather than slowing requests down: an analytics outage must not become a
//   gateway outage, and a call is a few hundred bytes on disk.
// - close() flushes what is left, and spills what the database would not take in time.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { BatchWriter } from './insert-calls.js';
import { sanitizeCall, type SanitizedField } from './sanitize-call.js';
import type { SpillStore } from './spill.js';

export interface CallRecord {
  userId: string | null;
  /** The API key and its team the call was made with (spend per key and team). */
  apiKeyId?: string | null;
  teamId?: string | null;
  provider: string;
  model: string;
  source: string;
  inputTokens: number;
  outputTokens: number;
  /** Parts of inputTokens (cache read, cache write) and outputTokens (reasoning); 0 when absent. */
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** Tool calls in the answer; 0 when absent. */
  toolCalls?: number;
  costUsd: number | null;
  listCostUsd: number | null;
  costEstimated: boolean;
  latencyMs: number;
  cached: boolean;
  optimized: boolean;
  tokensSaved: number;
  streamed: boolean;
  status: 'success' | 'error';
  errorCode: string | null;
}

/** Why a call was not stored anywhere. */
export type DropReason =
  /** The queue was full and no spill folder was configured. */
  | 'queue_full'
  /** The spill folder reached ANALYTICS_SPILL_MAX_MB. */
  | 'spill_full'
  /** The spill folder could not be written (or another instance owns it). */
  | 'spill_error'
  /** A spilled line could not be read back (a write cut short by a crash). */
  | 'spill_corrupt'
  /** Refused by api_calls and by the dead-letter table. */
  | 'dead_letter_failed'
  /** Still queued at shutdown with the database unavailable and nowhere to spill. */
  | 'shutdown';

export interface RecorderStats {
  enabled: boolean;
  queued: number;
  written: number;
  /** Every call dropped, whatever the reason (the sum of droppedByReason). */
  dropped: number;
  droppedByReason: Partial<Record<DropReason, number>>;
  /** Calls refused by the database and kept in api_call_dead_letters, by SQLSTATE. */
  deadLettered: Record<string, number>;
  /** Fields corrected before queueing, by field. */
  sanitized: Partial<Record<SanitizedField, number>>;
  /** Calls appended to the spill folder, and read back from it. */
  spilled: number;
  replayed: number;
  spillBytes: number;
  failedFlushes: number;
  lastError: string | null;
}

export interface RecorderOptions {
  enabled: boolean;
  /** Rows per INSERT statement (default 250). */
  batchSize?: number;
  /** Queue length that triggers a flush before the interval (default 4 statements' worth). */
  flushAt?: number;
  flushIntervalMs?: number;
  /** Calls held in memory (default 100,000); past this they are spilled, or dropped without a spill. */
  maxQueue?: number;
  /** Where calls past maxQueue go (null: dropped). */
  spill?: SpillStore | null;
}

/** A call as stored: with its id and time. */
export type StoredCall = CallRecord & { id: string; createdAt: Date };

export class UsageRecorder {
  /** Calls taken in and not yet handled, with their times; handled in `take` (after the answer is sent). */
  private incoming: CallRecord[] = [];
  private incomingAt: number[] = [];
  private takeScheduled = false;
  private queue: StoredCall[] = [];
  /** Calls past maxQueue taken in during this turn, appended to the spill together. */
  private overflow: StoredCall[] = [];
  private written = 0;
  private readonly dropped: Partial<Record<DropReason, number>> = {};
  private readonly deadLettered: Record<string, number> = {};
  private readonly sanitized: Partial<Record<SanitizedField, number>> = {};
  private spilled = 0;
  private replayed = 0;
  private failedFlushes = 0;
  private lastError: string | null = null;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  /** How many records at the head of the queue the current write holds. */
  private inFlight = 0;
  /** Calls ever pushed onto the queue, and ever taken off its head (stored or dead-lettered). */
  private enqueued = 0;
  private dequeued = 0;
  /** Spill segments read to their end, deletable once `dequeued` reaches `mark`. */
  private readSegments: { name: string; mark: number }[] = [];
  private readonly listeners = new Set<(rows: CallRecord[]) => void>();
  private readonly recordListeners = new Set<(call: CallRecord) => void>();
  private lastDropWarning = 0;
  private readonly batchSize: number;
  private readonly flushAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly spill: SpillStore | null;
  private readonly countFix = (field: SanitizedField) => {
    this.sanitized[field] = (this.sanitized[field] ?? 0) + 1;
  };

  constructor(
    /** Stores one batch (insertCalls in production); throws when the database is unavailable. */
    private readonly writeBatch: BatchWriter,
    private readonly options: RecorderOptions,
    private readonly logger: Logger,
  ) {
    // Bounded statements: a batch is one statement, its rows one message (services.ts sets 1000).
    this.batchSize = options.batchSize ?? 250;
    this.flushAt = options.flushAt ?? this.batchSize * 4;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxQueue = options.maxQueue ?? 100_000;
    this.spill = options.enabled ? options.spill ?? null : null;
    // Calls spilled by an earlier run are written once the database takes them.
    if (this.spill?.recover()) this.schedule(0);
  }

  /**
   * Takes one call in; never throws, never waits. Its listeners and queueing run from
   * setImmediate, after the answer that produced it was written: on the request path this
   * costs an array push. Everything that reads the recorder (stats, flush, close) takes
   * the calls in first.
   */
  record(call: CallRecord): void {
    this.incoming.push(call);
    this.incomingAt.push(Date.now());
    if (!this.takeScheduled) {
      this.takeScheduled = true;
      setImmediate(this.take);
    }
  }

  private readonly take = (): void => {
    this.takeScheduled = false;
    const calls = this.incoming;
    const times = this.incomingAt;
    if (calls.length === 0) return;
    this.incoming = [];
    this.incomingAt = [];
    for (let i = 0; i < calls.length; i++) this.handle(calls[i]!, times[i]!);
    if (this.overflow.length) this.spillOverflow();
  };

  private handle(raw: CallRecord, at: number): void {
    const call = sanitizeCall(raw, this.countFix);
    for (const l of this.recordListeners) {
      try {
        l(call);
      } catch {
        // a listener's failure is not the recorder's
      }
    }
    if (!this.options.enabled) return;
    const stored = { id: randomUUID(), createdAt: new Date(at), ...call };
    if (this.queue.length >= this.maxQueue) {
      if (this.spill) {
        this.overflow.push(stored);
        return;
      }
      this.drop('queue_full', 1);
      // The oldest record not being written right now goes; when all are, this one does.
      if (this.queue.length <= this.inFlight) return;
      this.queue.splice(this.inFlight, 1);
    }
    this.queue.push(stored);
    this.enqueued++;
    this.schedule(this.queue.length >= this.flushAt ? 0 : this.flushIntervalMs);
  }

  private spillOverflow(): void {
    const calls = this.overflow;
    this.overflow = [];
    const r = this.spill!.append(calls);
    this.spilled += r.accepted;
    if (r.refused) this.drop(r.reason ?? 'spill_error', r.refused);
    this.schedule(0);
  }

  private drop(reason: DropReason, count: number): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + count;
    if (Date.now() - this.lastDropWarning > 10_000) {
      this.lastDropWarning = Date.now();
      this.logger.warn('analytics records dropped', { reason, maxQueue: this.maxQueue, dropped: this.totalDropped() });
    }
  }

  private totalDropped(): number {
    let n = 0;
    for (const v of Object.values(this.dropped)) n += v;
    return n;
  }

  /** Called after each batch is stored (live dashboards, budget checks), with the calls stored. */
  onWritten(listener: (rows: CallRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for every call passed to record(), stored or not (metrics), once it is taken in (see record). */
  onRecord(listener: (call: CallRecord) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  stats(): RecorderStats {
    this.take();
    return {
      enabled: this.options.enabled,
      queued: this.queue.length,
      written: this.written,
      dropped: this.totalDropped(),
      droppedByReason: { ...this.dropped },
      deadLettered: { ...this.deadLettered },
      sanitized: { ...this.sanitized },
      spilled: this.spilled,
      replayed: this.replayed,
      spillBytes: this.spill?.bytes ?? 0,
      failedFlushes: this.failedFlushes,
      lastError: this.lastError,
    };
  }

  private schedule(delayMs: number) {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, Math.max(delayMs, this.retryDelayMs));
    this.timer.unref?.();
  }

  /** Writes everything queued now (in batches), and what waits in the spill; resolves when done or when a batch failed. */
  flush(): Promise<void> {
    this.take();
    // A write in progress covers only what was queued when it began: wait for it, then write
    // what is queued now (a caller that flushes must find its calls stored afterwards).
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.queue.length === 0 && !this.spill?.pending) return Promise.resolve();
    // Assigned before the first await can settle it, and cleared only after it has:
    // a flush that found nothing to do must not leave a stale promise behind.
    this.flushing = this.writeQueued().finally(() => {
      this.flushing = null;
      // What came in during the write waits for the next interval unless it fills statements
      // (or waits in the spill): a write off the event loop (PostgreSQL, the embedded
      // database's thread) must not turn into back-to-back small statements.
      if (this.queue.length >= this.flushAt || this.spill?.pending) this.schedule(0);
      else if (this.queue.length) this.schedule(this.flushIntervalMs);
    });
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    // The calls queued now (and those read back from the spill): what comes in meanwhile waits
    // for its interval, in one statement rather than as many small ones as writes take turns.
    let owed = this.queue.length;
    try {
      for (;;) {
        // Spilled calls come back while the database takes writes, a few batches at a time.
        if (this.spill?.pending && this.retryDelayMs === 0 && this.queue.length < this.flushAt) owed += await this.replay();
        if (!this.queue.length || owed <= 0) break;
        const batch = this.queue.slice(0, this.batchSize);
        this.inFlight = batch.length;
        // Idempotent: a batch stored whose acknowledgement was lost is retried without error.
        const result = await this.writeBatch(batch);
        this.queue.splice(0, batch.length);
        this.inFlight = 0;
        this.dequeued += batch.length;
        owed -= batch.length;
        this.retryDelayMs = 0;
        let stored: CallRecord[] = batch;
        if (result?.rejected.length) {
          const refused = new Set<StoredCall>();
          for (const r of result.rejected) {
            refused.add(r.call);
            if (r.deadLettered) this.deadLettered[r.code] = (this.deadLettered[r.code] ?? 0) + 1;
            else this.drop('dead_letter_failed', 1);
          }
          stored = batch.filter((c) => !refused.has(c));
        }
        this.written += stored.length;
        this.releaseSegments();
        for (const l of this.listeners) {
          try {
            l(stored);
          } catch {
            // a listener's failure is not the recorder's
          }
        }
        // Let requests run between statements rather than one long block.
        if ((this.queue.length && owed > 0) || this.spill?.pending) await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      this.inFlight = 0;
      this.failedFlushes++;
      this.lastError = (e as Error).message.slice(0, 300);
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 200), 5_000);
      this.logger.warn('analytics write failed; will retry', { queued: this.queue.length, retryInMs: this.retryDelayMs, error: this.lastError });
    }
  }

  /** Moves up to a few batches of spilled calls into the queue; how many. */
  private async replay(): Promise<number> {
    const room = Math.min(this.maxQueue - this.queue.length, this.flushAt);
    if (room <= 0) return 0;
    const r = await this.spill!.read(room);
    for (const c of r.calls) this.queue.push(c);
    this.enqueued += r.calls.length;
    this.replayed += r.calls.length;
    for (const name of r.finished) this.readSegments.push({ name, mark: this.enqueued });
    if (r.corrupt) this.drop('spill_corrupt', r.corrupt);
    this.releaseSegments();
    return r.calls.length;
  }

  /** Deletes spill segments every call of which has left the queue. */
  private releaseSegments(): void {
    if (!this.readSegments.length) return;
    const done = this.readSegments.filter((s) => s.mark <= this.dequeued);
    if (!done.length) return;
    this.readSegments = this.readSegments.filter((s) => s.mark > this.dequeued);
    this.spill!.release(done.map((s) => s.name));
  }

  /** Flushes on shutdown, retrying until `timeoutMs` has passed; what is left then goes to the spill folder. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.take();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length && Date.now() < deadline) {
      await this.flush();
      if (this.queue.length) await new Promise((r) => setTimeout(r, Math.min(this.retryDelayMs || 100, 500)));
    }
    if (this.flushing) await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const left = this.queue.splice(0);
    if (this.spill) {
      let refused = 0;
      if (left.length) {
        const r = this.spill.append(left);
        refused = r.refused;
        this.spilled += r.accepted;
        if (r.refused) this.drop(r.reason ?? 'spill_error', r.refused);
        this.logger.warn('analytics records kept on disk for the next start', { count: r.accepted, dir: this.spill.dir });
        if (r.refused) this.logger.error('analytics records lost at shutdown', { count: r.refused });
      }
      // Every call read from these is stored or was just spilled again (else they are read again next time).
      if (!refused) this.spill.release(this.readSegments.map((s) => s.name));
      this.readSegments = [];
      await this.spill.close();
    } else if (left.length) {
      this.drop('shutdown', left.length);
      this.logger.error('analytics records lost at shutdown', { count: left.length });
    }
  }
}
