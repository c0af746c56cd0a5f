// One leader per key for work that identical concurrent requests can share (a completion,
// a stream). In this process the first caller leads and later ones get its state; across
// instances the leader is whoever holds the key's lock in the shared kv (`lead:<kind>:<key>`,
// expiring after lockTtlMs should its holder vanish). With the kv unreachable every
// instance leads on its own: the work is done more than once, never blocked.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from './types.js';

export type Election<S> =
  /** This caller does the work; `resign` (once it is done or failed) frees the key. */
  | { role: 'leader'; state: S; resign(): void }
  /** A leader of this process is at work: its state. */
  | { role: 'local-follower'; state: S }
  /** A leader of another instance is at work. */
  | { role: 'remote-follower' };

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

  /** Becomes the leader for key (its state made by `start`), or a follower of the one at work. */
  async elect(key: string, start: () => S): Promise<Election<S>> {
    const running = this.local.get(key);
    if (running !== undefined) return { role: 'local-follower', state: running };
    const lockKey = this.lockKey(key);
    const token = randomUUID();
    let locked = true;
    try {
      locked = await this.kv.setIfAbsent(lockKey, token, this.lockTtlMs);
    } catch {
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
    return {
      role: 'leader',
      state,
      resign: () => {
        if (resigned) return;
        resigned = true;
        if (this.local.get(key) === state) this.local.delete(key);
        this.kv.deleteIfEquals(lockKey, token).catch(() => {});
      },
    };
  }

  /** Whether some instance still holds key's lock (false, too, when the kv cannot tell). */
  async held(key: string): Promise<boolean> {
    return (await this.kv.get(this.lockKey(key)).catch(() => null)) !== null;
  }
}
