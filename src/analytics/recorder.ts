// Records every completion off the request path: a call is taken in at once and handled
// (listeners such as the metrics, then the write queue) once the event loop is done with
// what it was doing, which is after the answer was written; calls are queued in memory and
// written in batches. While the database is unavailable the queue holds them
// (bounded; what is dropped past the bound is counted and reported) and the
// writer retries with backoff. close() flushes what is left.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';

export interface CallRecord {
  userId: string | null;
  provider: string;
  model: string;
  source: string;
  inputTokens: number;
  outputTokens: number;
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

export interface RecorderStats {
  enabled: boolean;
  queued: number;
  written: number;
  dropped: number;
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
  maxQueue?: number;
}

/** A call as stored: with its id and time. */
export type StoredCall = CallRecord & { id: string; createdAt: Date };

export class UsageRecorder {
  /** Calls taken in and not yet handled, with their times; handled in `take` (after the answer is sent). */
  private incoming: CallRecord[] = [];
  private incomingAt: number[] = [];
  private takeScheduled = false;
  private queue: StoredCall[] = [];
  private written = 0;
  private dropped = 0;
  private failedFlushes = 0;
  private lastError: string | null = null;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  /** How many records at the head of the queue the current write holds. */
  private inFlight = 0;
  private readonly listeners = new Set<(rows: CallRecord[]) => void>();
  private readonly recordListeners = new Set<(call: CallRecord) => void>();
  private lastDropWarning = 0;
  private readonly batchSize: number;
  private readonly flushAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;

  constructor(
    /** Stores one batch (insertCalls in production); throws when the database is unavailable. */
    private readonly writeBatch: (rows: StoredCall[]) => Promise<void>,
    private readonly options: RecorderOptions,
    private readonly logger: Logger,
  ) {
    // Bounded statements: on the embedded database each one runs on the event loop.
    this.batchSize = options.batchSize ?? 250;
    this.flushAt = options.flushAt ?? this.batchSize * 4;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxQueue = options.maxQueue ?? 100_000;
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
  };

  private handle(call: CallRecord, at: number): void {
    for (const l of this.recordListeners) {
      try {
        l(call);
      } catch {
        // a listener's failure is not the recorder's
      }
    }
    if (!this.options.enabled) return;
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      if (Date.now() - this.lastDropWarning > 10_000) {
        this.lastDropWarning = Date.now();
        this.logger.warn('analytics queue full; dropping the oldest records', { maxQueue: this.maxQueue, dropped: this.dropped });
      }
      // The oldest record not being written right now goes; when all are, this one does.
      if (this.queue.length <= this.inFlight) return;
      this.queue.splice(this.inFlight, 1);
    }
    this.queue.push(Object.assign({ id: randomUUID(), createdAt: new Date(at) }, call)); // not `{ ...call, id }`: see Gateway.recordCall
    this.schedule(this.queue.length >= this.flushAt ? 0 : this.flushIntervalMs);
  }

  /** Called after each batch is stored (live dashboards, budget checks). */
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
      enabled: this.options.enabled, queued: this.queue.length, written: this.written, dropped: this.dropped,
      failedFlushes: this.failedFlushes, lastError: this.lastError,
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

  /** Writes everything queued now (in batches); resolves when done or when a batch failed. */
  flush(): Promise<void> {
    this.take();
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return Promise.resolve();
    // Assigned before the first await can settle it, and cleared only after it has:
    // a flush that found nothing to do must not leave a stale promise behind.
    this.flushing = this.writeQueued().finally(() => {
      this.flushing = null;
      if (this.queue.length) this.schedule(this.retryDelayMs);
    });
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.slice(0, this.batchSize);
        this.inFlight = batch.length;
        // Idempotent: a batch stored whose acknowledgement was lost is retried without error.
        await this.writeBatch(batch);
        this.queue.splice(0, batch.length);
        this.inFlight = 0;
        this.written += batch.length;
        this.retryDelayMs = 0;
        for (const l of this.listeners) {
          try {
            l(batch);
          } catch {
            // a listener's failure is not the recorder's
          }
        }
        // Let requests run between statements rather than one long block.
        if (this.queue.length) await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      this.inFlight = 0;
      this.failedFlushes++;
      this.lastError = (e as Error).message.slice(0, 300);
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 200), 5_000);
      this.logger.warn('analytics write failed; will retry', { queued: this.queue.length, retryInMs: this.retryDelayMs, error: this.lastError });
    }
  }

  /** Flushes on shutdown, retrying until `timeoutMs` has passed. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.take();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length && Date.now() < deadline) {
      await this.flush();
      if (this.queue.length) await new Promise((r) => setTimeout(r, Math.min(this.retryDelayMs || 100, 500)));
    }
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.length) this.logger.error('analytics records lost at shutdown', { count: this.queue.length });
  }
}
