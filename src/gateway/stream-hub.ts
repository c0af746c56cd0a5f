// Shares one upstream stream among identical concurrent streaming requests.
// In one instance a follower reads the leader's buffered chunks, then follows
// live. Across instances the leader publishes its events on the shared pub/sub
// (Redis through graphql-redis-subscriptions when configured); a follower on
// another instance asks for a snapshot of what it missed and follows from there.
import type { CachedCompletion, StreamDelta } from '../cache/response-cache.js';
import { LeaderElection } from '../kv/leader-election.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';

export type HubEvent =
  /** A text chunk or a tool-call delta, in the order the upstream sent them. */
  | { type: 'chunk'; seq: number; piece: StreamDelta }
  | { type: 'done'; entry: CachedCompletion }
  | { type: 'failed'; message: string };

type WireEvent = HubEvent | { type: 'snapshot'; chunks: StreamDelta[]; done?: CachedCompletion; failed?: string };

class Broadcast {
  readonly chunks: StreamDelta[] = [];
  done?: CachedCompletion;
  failed?: string;
  private readonly listeners = new Set<() => void>();

  push(piece: StreamDelta) {
    this.chunks.push(piece);
    this.wake();
  }
  finish(entry: CachedCompletion) {
    this.done = entry;
    this.wake();
  }
  fail(message: string) {
    this.failed = message;
    this.wake();
  }
  get settled() {
    return this.done !== undefined || this.failed !== undefined;
  }
  private wake() {
    for (const l of this.listeners) l();
  }
  /** Every event from the first chunk on, live. */
  async *events(): AsyncGenerator<HubEvent> {
    let i = 0;
    while (true) {
      while (i < this.chunks.length) {
        yield { type: 'chunk', seq: i, piece: this.chunks[i]! };
        i++;
      }
      if (this.done) return yield { type: 'done', entry: this.done };
      if (this.failed) return yield { type: 'failed', message: this.failed };
      await new Promise<void>((resolve) => {
        const l = () => {
          this.listeners.delete(l);
          resolve();
        };
        this.listeners.add(l);
      });
    }
  }
}

export interface Leadership {
  push(piece: StreamDelta): void;
  finish(entry: CachedCompletion): void;
  fail(message: string): void;
}

export class StreamHub {
  private readonly leaders: LeaderElection<Broadcast>;

  constructor(
    kv: KeyValueStore,
    private readonly pubsub: PubSub,
    private readonly options: { lockTtlMs: number; idleTimeoutMs: number },
  ) {
    this.leaders = new LeaderElection(kv, 'stream', options.lockTtlMs);
  }

  /**
   * Becomes the leader for `key`, or returns the events of the stream already
   * running for it (here or on another instance).
   */
  async join(key: string): Promise<{ role: 'leader'; lead: Leadership } | { role: 'follower'; events: AsyncIterable<HubEvent> }> {
    const elected = await this.leaders.elect(key, () => new Broadcast());
    if (elected.role === 'local-follower') return { role: 'follower', events: elected.state.events() };
    if (elected.role === 'remote-follower') return { role: 'follower', events: this.remoteEvents(key) };
    return { role: 'leader', lead: await this.lead(key, elected.state, elected.resign) };
  }

  private async lead(key: string, b: Broadcast, resign: () => void): Promise<Leadership> {
    const channel = `stream:${key}`;
    const publish = (e: WireEvent) => this.pubsub.publish(channel, e).catch(() => {});
    let unsubscribe: (() => void) | undefined;
    try {
      // Late joiners on other instances ask for what they missed.
      unsubscribe = await this.pubsub.subscribe(`stream-join:${key}`, () =>
        publish({ type: 'snapshot', chunks: [...b.chunks], done: b.done, failed: b.failed }),
      );
    } catch {
      // pub/sub down: local followers still work
    }
    const end = () => {
      unsubscribe?.();
      resign();
    };
    return {
      push: (piece) => {
        publish({ type: 'chunk', seq: b.chunks.length, piece });
        b.push(piece);
      },
      finish: (entry) => {
        b.finish(entry);
        publish({ type: 'done', entry });
        end();
      },
      fail: (message) => {
        if (b.settled) return;
        b.fail(message);
        publish({ type: 'failed', message });
        end();
      },
    };
  }

  /** Follows a leader on another instance: snapshot first, then live events in order. */
  private async *remoteEvents(key: string): AsyncGenerator<HubEvent> {
    const queue: WireEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = await this.pubsub.subscribe(`stream:${key}`, (e) => {
      queue.push(e as WireEvent);
      wake?.();
    });
    try {
      await this.pubsub.publish(`stream-join:${key}`, { at: Date.now() });
      let next = 0; // next chunk seq to yield
      let synced = false; // a snapshot has told us where the stream stands
      const pending = new Map<number, StreamDelta>();
      while (true) {
        while (queue.length) {
          const e = queue.shift()!;
          if (e.type === 'snapshot') {
            for (let i = next; i < e.chunks.length; i++) yield { type: 'chunk', seq: i, piece: e.chunks[i]! };
            next = Math.max(next, e.chunks.length);
            synced = true;
            if (e.done) return yield { type: 'done', entry: e.done };
            if (e.failed) return yield { type: 'failed', message: e.failed };
          } else if (e.type === 'chunk') {
            pending.set(e.seq, e.piece);
          } else if (e.type === 'done') {
            // The final entry carries every chunk: nothing can be missing.
            const chunks = e.entry.chunks ?? [e.entry.text];
            for (let i = next; i < chunks.length; i++) yield { type: 'chunk', seq: i, piece: chunks[i]! };
            return yield e;
          } else {
            return yield e;
          }
          if (synced) {
            while (pending.has(next)) {
              yield { type: 'chunk', seq: next, piece: pending.get(next)! };
              pending.delete(next++);
            }
          }
        }
        const idle = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), this.options.idleTimeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = undefined;
        if (idle) return yield { type: 'failed', message: 'the shared stream went silent' };
      }
    } finally {
      unsubscribe();
    }
  }
}
