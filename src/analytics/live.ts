// Live analytics: after the recorder stores a batch, the summary and the
// per-provider figures are published on the shared pub/sub (Redis when
// configured, so every instance's subscribers see every instance's calls).
// Publishing is throttled to one per `intervalMs`, and skipped while nobody
// anywhere is subscribed (subscribers keep a short-lived "watchers" key alive).
import type { Logger } from '../logger.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { AnalyticsFilters } from './filters.js';
import type { AnalyticsQueries, OptimizationImpact, ProviderStats, Summary } from './queries.js';

export const ANALYTICS_CHANNEL = 'analytics:updated';
const WATCHERS_KEY = 'analytics:watchers';
const WATCHERS_TTL_SECONDS = 60;

export interface AnalyticsUpdate {
  summary: Summary;
  providers: ProviderStats[];
  optimization: OptimizationImpact;
  /** ISO-8601 time the figures were computed. */
  timestamp: string;
}

export class LiveAnalytics {
  private timer: NodeJS.Timeout | null = null;
  private publishing: Promise<void> | null = null;
  private pending = false;
  private lastPublish = 0;
  private localSubscribers = 0;
  private closed = false;

  constructor(
    private readonly queries: AnalyticsQueries,
    private readonly pubsub: PubSub,
    private readonly kv: KeyValueStore,
    private readonly logger: Logger,
    private readonly intervalMs = 500,
  ) {}

  async snapshot(filters: AnalyticsFilters = {}): Promise<AnalyticsUpdate> {
    const o = await this.queries.overview(filters);
    return { summary: o.summary, providers: o.providers, optimization: o.optimization, timestamp: new Date().toISOString() };
  }

  /** Asks for a publish: now if the last one is older than intervalMs, else when it is. */
  schedule(): void {
    if (this.closed) return;
    if (this.publishing) {
      this.pending = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastPublish + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publishing = this.publish().finally(() => {
        this.publishing = null;
        if (this.pending) {
          this.pending = false;
          this.schedule();
        }
      });
    }, wait);
    this.timer.unref?.();
  }

  private async publish(): Promise<void> {
    this.lastPublish = Date.now();
    try {
      // Redis unreachable: publish anyway (it will fail or not); the check must not hide updates.
      const watched = this.localSubscribers > 0 || (await this.kv.get(WATCHERS_KEY).catch(() => '1')) !== null;
      if (!watched) return;
      await this.pubsub.publish(ANALYTICS_CHANNEL, await this.snapshot());
    } catch (e) {
      this.logger.warn('live analytics publish failed', { error: (e as Error).message });
    }
  }

  /**
   * Updates for one subscriber: the current figures first, then each published
   * update. Ends when `signal` aborts or the consumer returns; unsubscribes then.
   */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<AnalyticsUpdate> {
    const queue: AnalyticsUpdate[] = [];
    let waiting: ((r: IteratorResult<AnalyticsUpdate>) => void) | null = null;
    let done = false;
    let unsubscribe: (() => void) | null = null;
    let heartbeat: NodeJS.Timeout | null = null;
    let published = false;
    const markWatched = () => void this.kv.set(WATCHERS_KEY, '1', WATCHERS_TTL_SECONDS).catch(() => {});

    const deliver = (update: AnalyticsUpdate) => {
      if (done) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w({ value: update, done: false });
      } else {
        queue.push(update);
        if (queue.length > 20) queue.shift(); // a slow consumer only needs the latest figures
      }
    };
    const finish = (): Promise<IteratorResult<AnalyticsUpdate>> => {
      if (!done) {
        done = true;
        this.localSubscribers--;
        unsubscribe?.();
        if (heartbeat) clearInterval(heartbeat);
        signal?.removeEventListener('abort', onAbort);
        waiting?.({ value: undefined, done: true });
        waiting = null;
      }
      return Promise.resolve({ value: undefined, done: true });
    };
    const onAbort = () => void finish();

    this.localSubscribers++;
    markWatched();
    heartbeat = setInterval(markWatched, (WATCHERS_TTL_SECONDS * 1000) / 3);
    heartbeat.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    const ready = this.pubsub
      .subscribe(ANALYTICS_CHANNEL, (payload) => {
        published = true;
        deliver(payload as AnalyticsUpdate);
      })
      .then((off) => {
        if (done) off();
        else unsubscribe = off;
      })
      .then(() => this.snapshot())
      // An update published meanwhile is at least as fresh as the snapshot.
      .then((s) => !published && deliver(s), (e: unknown) => {
        this.logger.warn('live analytics subscription failed', { error: (e as Error).message });
        void finish();
      });
    void ready;

    const iterator: AsyncIterableIterator<AnalyticsUpdate> = {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      throw(e?: unknown) {
        void finish();
        return Promise.reject(e);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    if (signal?.aborted) void finish();
    return iterator;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.publishing;
  }
}
