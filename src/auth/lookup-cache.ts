// A bounded in-process cache of database lookups for authentication (users, API keys).
// An entry is fresh for ttlMs; after that it is read again, but while the database cannot be
// reached a stale entry keeps serving (traffic that was flowing is not locked out) for up to
// staleMs. Invalidations delete entries at once; concurrent misses for one key share a lookup.

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
}

export class LookupCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly pending = new Map<K, Promise<V>>();
  /** Bumped by every invalidation: a lookup begun before must not store what it read. */
  private generation = 0;
  /** Times a stale entry answered because the source failed. */
  staleServed = 0;

  constructor(private readonly options: LookupCacheOptions) {}

  get size() {
    return this.entries.size;
  }

  /**
   * The cached value while fresh, else the loader's (stored). When the loader fails with an
   * error `isOutage` accepts and a stale entry exists, the stale value; otherwise the error.
   */
  async get(key: K, load: () => Promise<V>, isOutage: (e: unknown) => boolean): Promise<V> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.freshUntil > now) return entry.value;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const lookup = load().then(
      (value) => {
        if (generation === this.generation) this.store(key, value);
        return value;
      },
      (e: unknown) => {
        const current = this.entries.get(key);
        if (current && current.staleUntil > Date.now() && isOutage(e)) {
          // Try the database again a little later, not on every request.
          current.freshUntil = Date.now() + (this.options.retryMs ?? 1_000);
          this.staleServed++;
          return current.value;
        }
        throw e;
      },
    );
    this.pending.set(key, lookup);
    try {
      return await lookup;
    } finally {
      if (this.pending.get(key) === lookup) this.pending.delete(key);
    }
  }

  private store(key: K, value: V) {
    const now = Date.now();
    this.entries.delete(key);
    this.entries.set(key, { value, freshUntil: now + this.options.ttlMs, staleUntil: now + this.options.ttlMs + this.options.staleMs });
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
    for (const e of this.entries.values()) e.freshUntil = 0;
  }

  clear() {
    this.generation++;
    this.pending.clear();
    this.entries.clear();
  }
}
