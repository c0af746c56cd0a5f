// An in-process tier in front of a shared (Redis) cache. LocalTier keeps recently used
// entries as the raw strings Redis returned, least recently used dropped first, bounded by
// count and by bytes, each kept no longer than its own expiry. HeardTier is how the cache
// uses it: only while this instance hears invalidations, which reach every instance's tier
// through pub/sub; a tier that may have missed one is emptied and not used until it hears
// itself again.
import { randomUUID } from 'node:crypto';
import type { PubSub } from '../kv/types.js';
import type { Logger } from '../logger.js';

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

/** Where invalidations (and each instance's probe) travel. */
export const INVALIDATE_CHANNEL = 'cache:invalidate';
/** How often an instance repeats its probe until it hears it (the first may precede its subscription). */
const PROBE_RETRY_MS = 1_000;

export type InvalidateMessage = { prefix: string } | { probe: string };

/**
 * A LocalTier read and filled only while invalidations reach this instance: it subscribes to
 * them, then publishes a probe until it hears its own; when delivery stops it empties itself
 * and waits for a new probe. A read of the shared store that began before an invalidation must
 * not fill it: take `mark()` before the read and pass it to `fill`.
 */
export class HeardTier {
  /** Set once this instance heard its own probe since delivery last resumed. */
  private heard = false;
  private delivering = true;
  private probeId = '';
  private probeTimer: NodeJS.Timeout | null = null;
  /** Bumped whenever entries may have gone stale. */
  private generation = 0;
  private subscription: Promise<(() => void) | null> | null = null;
  private readonly stopWatching: () => void;

  constructor(
    private readonly tier: LocalTier,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
  ) {
    this.stopWatching = pubsub.onDeliveryChange((up) => {
      this.delivering = up;
      this.distrust();
      if (up) this.listen();
    });
    this.listen();
  }

  get serving(): boolean {
    return this.heard;
  }

  get size(): number {
    return this.tier.size;
  }

  get(key: string): string | null {
    return this.heard ? this.tier.get(key) : null;
  }

  mark(): number {
    return this.generation;
  }

  /** Keeps raw until expiresAt if the tier is serving and nothing was invalidated since `mark`. */
  fill(key: string, raw: string, expiresAt: number | undefined, mark: number): void {
    if (this.heard && mark === this.generation) this.tier.set(key, raw, expiresAt);
  }

  /** Drops every key that starts with prefix ('' drops everything). */
  drop(prefix: string): void {
    this.generation++;
    this.tier.dropPrefix(prefix);
  }

  async close(): Promise<void> {
    this.stopWatching();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.delivering = false;
    this.distrust();
    const unsubscribe = await this.subscription;
    unsubscribe?.();
  }

  /** Subscribes to invalidations once, then probes until this instance hears itself. */
  private listen() {
    if (!this.subscription) {
      this.subscription = this.pubsub.subscribe(INVALIDATE_CHANNEL, (m) => this.onMessage(m as InvalidateMessage)).catch((e) => {
        this.subscription = null; // tried again when delivery resumes
        this.logger.debug('cache invalidation subscription failed; local tier paused', { error: (e as Error).message });
        return null;
      });
    }
    void this.subscription.then((subscribed) => subscribed && this.probe());
  }

  private probe() {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    if (this.heard || !this.delivering || !this.subscription) return;
    this.probeId = randomUUID();
    this.pubsub.publish(INVALIDATE_CHANNEL, { probe: this.probeId }).catch(() => {});
    this.probeTimer = setTimeout(() => this.probe(), PROBE_RETRY_MS);
    this.probeTimer.unref?.();
  }

  private onMessage(m: InvalidateMessage) {
    if ('prefix' in m) return this.drop(m.prefix);
    if (m.probe !== this.probeId || this.heard) return;
    this.generation++;
    this.heard = true;
  }

  private distrust() {
    this.heard = false;
    this.drop('');
  }
}
