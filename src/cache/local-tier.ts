// An in-process tier in front of a shared (Redis) cache: recently used entries
// kept as the raw strings Redis returned, least recently used dropped first,
// bounded by count and by bytes, each kept no longer than its own expiry.
// It knows nothing of invalidation: ResponseCache decides when it may be used.

interface LocalEntry {
  raw: string;
  expiresAt: number;
}

export interface LocalTierOptions {
  maxEntries: number;
  /** Upper bound on the characters held (strings are UTF-16; this bounds memory to about twice it). */
  maxChars: number;
  /** Longest an entry is kept here, whatever its own expiry. */
  maxAgeMs: number;
}

export class LocalTier {
  /** Map order is recency order: a hit moves its key to the end. */
  private readonly entries = new Map<string, LocalEntry>();
  private chars = 0;

  constructor(readonly options: LocalTierOptions, private readonly now: () => number = Date.now) {}

  get size() {
    return this.entries.size;
  }

  get(key: string): string | null {
    const e = this.entries.get(key);
    if (!e) return null;
    this.entries.delete(key);
    if (e.expiresAt <= this.now()) {
      this.chars -= e.raw.length;
      return null;
    }
    this.entries.set(key, e);
    return e.raw;
  }

  /** Keeps raw until min(expiresAt, now + maxAgeMs); entries over a quarter of the budget are not kept. */
  set(key: string, raw: string, expiresAt = Infinity) {
    this.delete(key);
    const until = Math.min(expiresAt, this.now() + this.options.maxAgeMs);
    if (until <= this.now() || raw.length > this.options.maxChars / 4) return;
    this.entries.set(key, { raw, expiresAt: until });
    this.chars += raw.length;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.chars <= this.options.maxChars) break;
      this.entries.delete(k);
      this.chars -= e.raw.length;
    }
  }

  delete(key: string) {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.chars -= e.raw.length;
  }

  /** Drops every key that starts with prefix ('' drops everything). */
  dropPrefix(prefix: string) {
    if (!prefix) return this.clear();
    for (const [k, e] of this.entries) {
      if (!k.startsWith(prefix)) continue;
      this.entries.delete(k);
      this.chars -= e.raw.length;
    }
  }

  clear() {
    this.entries.clear();
    this.chars = 0;
  }
}
