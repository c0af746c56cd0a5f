// Where the cache's entries live: JSON under their completion keys in the shared kv, each with
// its own TTL, deleted by key pattern (SCAN in batches, never KEYS). Methods throw when the kv
// does; ResponseCache turns that into a miss or a skipped write.
import type { KeyValueStore } from '../kv/types.js';

/** Every entry's key matches it (see completion-key.ts). */
export const ENTRY_PATTERN = 'c:*';
const SCAN_BATCH = 500;

export class EntryStore {
  constructor(private readonly kv: KeyValueStore) {}

  get kind() {
    return this.kv.kind;
  }

  read(key: string): Promise<string | null> {
    return this.kv.get(key);
  }

  write(key: string, raw: string, ttlSeconds: number): Promise<void> {
    return this.kv.set(key, raw, ttlSeconds);
  }

  /** Deletes the entries whose keys match pattern; how many there were. */
  async deleteMatching(pattern: string): Promise<number> {
    let deleted = 0;
    for await (const keys of this.kv.scan(pattern, SCAN_BATCH)) deleted += await this.kv.del(keys);
    return deleted;
  }

  /** How many entries there are and their bytes; what could be read while the kv fails. */
  async measure(): Promise<{ entries: number; bytes: number }> {
    let entries = 0;
    let bytes = 0;
    try {
      for await (const keys of this.kv.scan(ENTRY_PATTERN, SCAN_BATCH)) {
        for (const v of await this.kv.mget(keys)) {
          if (v === null) continue;
          entries++;
          bytes += Buffer.byteLength(v);
        }
      }
    } catch {
      // unreachable: what was counted so far
    }
    return { entries, bytes };
  }
}
