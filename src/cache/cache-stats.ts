// The cache's counters, shared by every instance in one hash of the kv. Counts are added up
// here and sent at most every STATS_FLUSH_MS, so that a hit costs one Redis command, not two:
// this instance's own counts are always current, other instances see them within that delay.
import type { KeyValueStore } from '../kv/types.js';

export type CounterName = 'hits' | 'misses' | 'writes' | 'coalesced' | 'errors' | 'localHits';
export type Counts = Record<CounterName, number>;

const STATS_KEY = 'cache:stats';
const STATS_FLUSH_MS = 1_000;
const NAMES: readonly CounterName[] = ['hits', 'misses', 'writes', 'coalesced', 'errors', 'localHits'];

export class CacheCounters {
  /** Counts not yet added to the shared hash. */
  private pending: Partial<Counts> = {};
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly kv: KeyValueStore) {}

  count(fields: Partial<Counts>): void {
    for (const [f, n] of Object.entries(fields) as [CounterName, number][]) this.pending[f] = (this.pending[f] ?? 0) + n;
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), STATS_FLUSH_MS);
      this.timer.unref?.();
    }
  }

  /** Adds the pending counts to the shared hash; on failure they wait for the next flush. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const counts = this.pending;
    if (Object.keys(counts).length === 0) return;
    this.pending = {};
    try {
      await this.kv.hincr(STATS_KEY, counts);
    } catch {
      this.count(counts); // kv down: kept (a few numbers) and tried again later
    }
  }

  /** Every instance's counts, this one's pending ones included (only those while the kv is down). */
  async totals(): Promise<Counts> {
    let shared: Record<string, string> = {};
    try {
      shared = await this.kv.hgetall(STATS_KEY);
    } catch {
      // unreachable: this instance's pending counts only
    }
    const totals = {} as Counts;
    for (const f of NAMES) totals[f] = Number(shared[f] ?? 0) + (this.pending[f] ?? 0);
    return totals;
  }
}
