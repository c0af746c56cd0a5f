// A bounded in-process cache of database lookups for authentication (users, API keys).
// An entry is fresh for ttlMs. Just after that, and while the source is failing, it still
// answers at once while a lookup runs in the background (no request waits on the database
// for a key in use, and an outage does not lock out traffic that was flowing), for up to
// staleMs. Older entries wait for the lookup. Invalidations delete entries at once;
// concurrent lookups of one key are shared.

export interface LookupCacheOptions {
  ttlMs: number;
  staleMs: number;
  maxEntries: number;
  /** Wait before a key whose lookup failed is tried again (stale value served meanwhile). */
  retryMs?: number;
}

interface Entry<V> {
  value: V;
  freshUntil: number;
  /** Served while lookups fail, until then. */
  staleUntil: number;
  /** The last lookup failed because the source was unreachable. */
  failing: boolean;
}

export class LookupCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly pending = new Map<K, Promise<V>>();
  /** Bumped by every invalidation: a lookup begun before must not store what it read. */
  private generation = 0;
  /** Answers given from an entry while its source was failing. */
  staleServed = 0;

  constructor(private readonly options: LookupCacheOptions) {}

  get size() {
    return this.entries.size;
  }

  /**
   * The cached value while fresh; else the loader's (stored). When the loader fails with an
   * error `isOutage` accepts, an entry younger than staleMs answers instead; other errors
   * (and outages with nothing cached) are thrown.
   */
  async get(key: K, load: () => Promise<V>, isOutage: (e: unknown) => boolean): Promise<V> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.freshUntil > now) {
      if (entry.failing) this.staleServed++;
      return entry.value;
    }
    if (entry && entry.staleUntil > now && (entry.failing || now - entry.freshUntil < this.options.ttlMs)) {
      if (entry.failing) this.staleServed++;
      // Its outcome is for the next request.
      this.lookup(key, load).catch((e: unknown) => this.failed(key, e, isOutage));
      return entry.value;
    }
    try {
      return await this.lookup(key, load);
    } catch (e) {
      const stale = this.failed(key, e, isOutage);
      if (!stale) throw e;
      this.staleServed++;
      return stale.value;
    }
  }

  /** One load per key at a time; a success is stored unless an invalidation came meanwhile. */
  private lookup(key: K, load: () => Promise<V>): Promise<V> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const lookup: Promise<V> = load()
      .then((value) => {
        if (generation === this.generation) this.store(key, value);
        return value;
      })
      .finally(() => {
        if (this.pending.get(key) === lookup) this.pending.delete(key);
      });
    this.pending.set(key, lookup);
    return lookup;
  }

  /** After a failed load: the entry that may still answer (source unreachable, entry young enough), else null. */
  private failed(key: K, e: unknown, isOutage: (e: unknown) => boolean): Entry<V> | null {
    const current = this.entries.get(key);
    if (!current) return null;
    if (!isOutage(e)) {
      this.entries.delete(key);
      return null;
    }
    const now = Date.now();
    if (current.staleUntil <= now) return null;
    // Try the source again a little later, not on every request.
    current.freshUntil = now + (this.options.retryMs ?? 1_000);
    current.failing = true;
    return current;
  }

  private store(key: K, value: V) {
    const now = Date.now();
    this.entries.delete(key);
    this.entries.set(key, { value, freshUntil: now + this.options.ttlMs, staleUntil: now + this.options.ttlMs + this.options.staleMs, failing: false });
    // Map order is insertion order: the first entries are the least recently stored.
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** Forgets key; a lookup already under way may have read the old state, so it is not joined. */
  delete(key: K) {
    this.generation++;
    this.entries.delete(key);
    this.pending.delete(key);
  }

  /** Every entry is read again on its next use (kept to serve while the database is down). */
  expireAll() {
    this.generation++;
    this.pending.clear();
    for (const e of this.entries.values()) {
      e.freshUntil = 0;
      e.failing = false;
    }
  }

  clear() {
    this.generation++;
    this.pending.clear();
    this.entries.clear();
  }
}
