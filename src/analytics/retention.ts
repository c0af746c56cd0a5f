// Deletes raw calls older than ANALYTICS_RETENTION_DAYS (the last N UTC days, today
// included, are kept: the same window as `days=N`), a bounded chunk per statement so
// no delete holds locks or the embedded database's thread for long. The daily
// rollups are not touched: dashboards keep the history, exports and exact percentiles
// cover what is still raw. Dead letters older than the window go too. Several instances
// may run it at once: a row locked by one is skipped by the others.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';

export interface RetentionOptions {
  days: number;
  /** Between runs (default one hour); the first run is one minute after start. */
  intervalMs?: number;
  /** Rows per DELETE statement (default 5,000). */
  chunk?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

export class RawCallRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly chunk: number;
  private readonly now: () => Date;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.chunk = options.chunk ?? 5_000;
    this.now = options.now ?? (() => new Date());
  }

  start(firstRunMs = 60_000): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce()
        .catch((e: unknown) => this.logger.warn('analytics retention failed; will try again', { error: (e as Error).message }))
        .finally(() => {
          this.running = null;
          this.start(this.intervalMs);
        });
    }, firstRunMs);
    this.timer.unref?.();
  }

  /** The oldest instant kept. */
  cutoff(): Date {
    const n = this.now();
    return new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate()) - (this.options.days - 1) * DAY_MS);
  }

  /** Deletes everything older than the window; returns how many calls and dead letters went. */
  async runOnce(): Promise<{ calls: number; deadLetters: number }> {
    const cutoff = this.cutoff();
    let calls = 0;
    let deadLetters = 0;
    for (;;) {
      if (this.closed) break;
      const n = await this.prisma.$executeRaw`
        DELETE FROM api_calls WHERE id IN (
          SELECT id FROM api_calls WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${this.chunk} FOR UPDATE SKIP LOCKED)`;
      calls += n;
      if (n < this.chunk) break;
      await new Promise((r) => setImmediate(r)); // requests run between chunks
    }
    for (;;) {
      if (this.closed) break;
      const n = await this.prisma.$executeRaw`
        DELETE FROM api_call_dead_letters WHERE id IN (
          SELECT id FROM api_call_dead_letters WHERE failed_at < ${cutoff} LIMIT ${this.chunk} FOR UPDATE SKIP LOCKED)`;
      deadLetters += n;
      if (n < this.chunk) break;
      await new Promise((r) => setImmediate(r));
    }
    if (calls || deadLetters) this.logger.info('analytics retention: deleted raw calls older than the window', { calls, deadLetters, before: cutoff.toISOString() });
    return { calls, deadLetters };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
