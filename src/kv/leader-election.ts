// One leader per key for work that identical concurrent requests can share (a completion,
// a stream). In this process the first caller leads and later ones get its state; across
// instances the leader is whoever holds the key's lock in the shared kv (`lead:<kind>:<key>`,
// expiring after lockTtlMs should its holder vanish). With the kv unreachable every
// instance leads on its own: the work is done more than once, never blocked.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from './types.js';

export type Election<S> =
  /**
   * This caller does the work; `resign` (once it is done or failed) frees the key, and
   * `resignWriting` stores the work's result and frees the key in one kv step, saying whether
   * a caller of another instance waits for it (it throws when the kv does; the lock then
   * expires by itself).
   */
  | { role: 'leader'; state: S; resign(): void; resignWriting(key: string, value: string, ttlSeconds: number): Promise<boolean> }
  /** A leader of this process is at work: its state. */
  | { role: 'local-follower'; state: S }
  /** A leader of another instance is at work. */
  | { role: 'remote-follower' };

/** The key read along with the election (`elect`'s readKey) holds this: no work to do. */
export type Found = { role: 'found'; value: string };

export class LeaderElection<S> {
  private readonly local = new Map<string, S>();

  /** `kind` keeps the lock keys of different work apart (the same key may be a completion and a stream). */
  constructor(
    private readonly kv: KeyValueStore,
    private readonly kind: string,
    private readonly lockTtlMs: number,
  ) {}

  private lockKey(key: string) {
    return `lead:${this.kind}:${key}`;
  }

  /**
   * Becomes the leader for key (its state made by `start`), or a follower of the one at work.
   * With `readKey` (where the work's result is kept), that key is read in the same kv step
   * as the lock is taken, and a value there is returned instead (role 'found'); `onReadError`
   * hears when the kv could not be asked.
   */
  elect(key: string, start: () => S): Promise<Election<S>>;
  elect(key: string, start: () => S, readKey: string, onReadError?: (e: unknown) => void): Promise<Election<S> | Found>;
  async elect(key: string, start: () => S, readKey?: string, onReadError?: (e: unknown) => void): Promise<Election<S> | Found> {
    const running = this.local.get(key);
    if (running !== undefined) return { role: 'local-follower', state: running };
    const lockKey = this.lockKey(key);
    const token = randomUUID();
    let locked = true;
    try {
      if (readKey === undefined) locked = await this.kv.setIfAbsent(lockKey, token, this.lockTtlMs);
      else {
        const r = await this.kv.getOrLock(readKey, lockKey, token, this.lockTtlMs);
        if (r.value !== null) return { role: 'found', value: r.value };
        locked = r.locked;
      }
    } catch (e) {
      onReadError?.(e);
      locked = true; // no shared state: lead on our own
    }
    // Another caller of this process may have become leader while this one waited on the kv.
    const raced = this.local.get(key);
    if (raced !== undefined) {
      if (locked) this.kv.deleteIfEquals(lockKey, token).catch(() => {});
      return { role: 'local-follower', state: raced };
    }
    if (!locked) return { role: 'remote-follower' };
    const state = start();
    this.local.set(key, state);
    let resigned = false;
    const leave = () => {
      if (resigned) return false;
      resigned = true;
      if (this.local.get(key) === state) this.local.delete(key);
      return true;
    };
    return {
      role: 'leader',
      state,
      resign: () => {
        if (leave()) this.kv.deleteIfEquals(lockKey, token).catch(() => {});
      },
      resignWriting: async (resultKey, value, ttlSeconds) => {
        if (resigned) return false;
        // Callers of this process keep following this leader until the result is stored.
        try {
          return await this.kv.setAndUnlock(resultKey, value, ttlSeconds, lockKey, token);
        } finally {
          leave();
        }
      },
    };
  }

  /** Whether some instance still holds key's lock (false, too, when the kv cannot tell). */
  async held(key: string): Promise<boolean> {
    return (await this.kv.get(this.lockKey(key)).catch(() => null)) !== null;
  }
}
