// The exact-match response cache as the gateway sees it: its entries (entry-store.ts),
// shared statistics (cache-stats.ts), invalidation by provider or model, request
// coalescing across instances (a leader per key, see ../kv/leader-election.ts, plus a
// notification when it is done) and, with Redis, an in-process tier serving repeated hits
// without the round trip (local-tier.ts). It fails open: any kv failure turns into a miss,
// a skipped write or an uncoordinated call, never an error for the caller.
import type { Logger } from '../logger.js';
import { LeaderElection } from '../kv/leader-election.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { ToolCall } from '../providers/types.js';
import { CacheCounters } from './cache-stats.js';
import { modelKeyPattern, providerKeyPattern } from './completion-key.js';
import { ENTRY_PATTERN, EntryStore } from './entry-store.js';
import { HeardTier, INVALIDATE_CHANNEL, LocalTier, type LocalTierOptions } from './local-tier.js';

/** A piece of a streamed answer: text, or a piece of a tool call (see StreamEvent). */
export type StreamDelta = string | ToolCallDelta;

export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface CachedCompletion {
  provider: string;
  model: string;
  text: string;
  /** Absent when the answer called no tool. */
  toolCalls?: ToolCall[];
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Absent when 0. */
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** What the original call cost (kept for analytics; the caller of a hit pays 0). */
  costUsd: number | null;
  costEstimated: boolean;
  /** A streamed answer's pieces (text chunks and tool-call deltas), replayed as they were. */
  chunks?: StreamDelta[];
  createdAt: string;
  /** When the shared entry expires (epoch ms); bounds how long the local tier keeps it. */
  expiresAt?: number;
}

export interface CachePolicy {
  /** Look the request up (default true). */
  read?: boolean;
  /** Store the answer (default true). */
  write?: boolean;
  /** Overrides REDIS_CACHE_TTL for this entry. */
  ttlSeconds?: number;
}

export interface CacheOptions {
  enabled: boolean;
  ttlSeconds: number;
  /** How long followers wait for a leader computing the same entry. */
  coalesceWaitMs: number;
  /** The in-process tier in front of Redis; off when absent, when maxEntries is 0, or without Redis. */
  local?: LocalTierOptions;
}

export interface CacheStats {
  enabled: boolean;
  backend: 'redis' | 'memory';
  hits: number;
  misses: number;
  writes: number;
  coalesced: number;
  errors: number;
  /** Hits served from an instance's local tier (included in hits). */
  localHits: number;
  /** Entries in this instance's local tier now. */
  localEntries: number;
  hitRatePercent: number;
  entries: number;
  bytes: number;
}

export interface CacheHealth {
  status: 'healthy' | 'degraded' | 'disabled';
  backend: 'redis' | 'memory';
  redisConnected: boolean;
  responseTimeMs: number | null;
  breaker: string;
  /** This instance's local tier: serving, paused (until it can hear invalidations again) or off. */
  localTier: 'serving' | 'paused' | 'off';
  error?: string;
}

/** A leader computed the value; a follower got its leader's entry; a hit found the entry stored. */
export type Coalesced<T> = { value: T; role: 'leader' } | { value: CachedCompletion; role: 'follower' | 'hit' };

/** How often a follower of another instance's leader looks for the entry between notifications. */
const FOLLOWER_POLL_MS = 50;

export class ResponseCache {
  private readonly store: EntryStore;
  private readonly counters: CacheCounters;
  /** The in-process tier; null when off. */
  private readonly near: HeardTier | null;
  /** Leaders computing an entry; a local follower waits on the leader's promise of it. */
  private readonly leaders: LeaderElection<Promise<CachedCompletion | null>>;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly pubsub: PubSub,
    readonly options: CacheOptions,
    private readonly logger: Logger,
  ) {
    this.store = new EntryStore(kv);
    this.counters = new CacheCounters(kv);
    this.leaders = new LeaderElection(kv, 'completion', options.coalesceWaitMs);
    const local = options.local;
    this.near = options.enabled && kv.kind === 'redis' && local && local.maxEntries > 0 ? new HeardTier(new LocalTier(local), pubsub, logger) : null;
  }

  get enabled() {
    return this.options.enabled;
  }

  /** Adds this instance's pending counts to the shared statistics. */
  flushStats(): Promise<void> {
    return this.counters.flush();
  }

  /** Sends what is pending and stops listening (shutdown). */
  async close(): Promise<void> {
    await this.near?.close();
    return this.counters.flush();
  }

  /** A hit or null; a kv failure is a miss. Counts hits and misses. */
  async get(key: string, policy: CachePolicy = {}): Promise<CachedCompletion | null> {
    if (!this.enabled || policy.read === false) return null;
    const near = this.near?.get(key);
    if (near) {
      this.counters.count({ hits: 1, localHits: 1 });
      return JSON.parse(near) as CachedCompletion;
    }
    const mark = this.near?.mark() ?? 0;
    try {
      const raw = await this.store.read(key);
      if (raw) {
        this.counters.count({ hits: 1 });
        const entry = JSON.parse(raw) as CachedCompletion;
        this.near?.fill(key, raw, entry.expiresAt, mark);
        return entry;
      }
      this.counters.count({ misses: 1 });
      return null;
    } catch (e) {
      this.counters.count({ misses: 1, errors: 1 });
      this.logger.debug('cache read failed; treating as miss', { error: (e as Error).message });
      return null;
    }
  }

  /** The entry as stored (with its expiry) and its ttl. */
  private stored(entry: CachedCompletion, policy: CachePolicy): { raw: string; ttlSeconds: number; expiresAt: number } {
    const ttlSeconds = policy.ttlSeconds ?? this.options.ttlSeconds;
    const expiresAt = Date.now() + ttlSeconds * 1000;
    return { raw: JSON.stringify({ ...entry, expiresAt }), ttlSeconds, expiresAt };
  }

  async set(key: string, entry: CachedCompletion, policy: CachePolicy = {}): Promise<void> {
    if (!this.enabled || policy.write === false) return;
    const { raw, ttlSeconds, expiresAt } = this.stored(entry, policy);
    const mark = this.near?.mark() ?? 0;
    try {
      await this.store.write(key, raw, ttlSeconds);
      this.counters.count({ writes: 1 });
      this.near?.fill(key, raw, expiresAt, mark);
    } catch (e) {
      this.logger.debug('cache write failed; skipped', { error: (e as Error).message });
    }
  }

  /**
   * The entry for key (a hit), or else `compute` run once for concurrent identical requests:
   * the leader for the key computes and stores the entry, its followers (in this process or
   * another) get that entry. A follower whose leader failed, vanished or took longer than
   * coalesceWaitMs computes itself. On the shared kv a miss costs two steps: reading the
   * entry together with taking the leader's lock, and writing the entry together with
   * releasing it (and a notification when another instance's follower waits).
   */
  async getOrCoalesce<T>(
    key: string,
    policy: CachePolicy,
    compute: () => Promise<{ value: T; entry: CachedCompletion | null }>,
  ): Promise<Coalesced<T>> {
    if (!this.enabled || policy.read === false) return { value: (await compute()).value, role: 'leader' };
    const near = this.near?.get(key);
    if (near) {
      this.counters.count({ hits: 1, localHits: 1 });
      return { value: JSON.parse(near) as CachedCompletion, role: 'hit' };
    }
    const mark = this.near?.mark() ?? 0;

    let settle!: (entry: CachedCompletion | null) => void;
    let readFailed = false;
    const elected = await this.leaders.elect(key, () => new Promise<CachedCompletion | null>((r) => (settle = r)), key, (e) => {
      readFailed = true;
      this.logger.debug('cache read failed; treating as miss', { error: (e as Error).message });
    });
    if (elected.role === 'found') {
      this.counters.count({ hits: 1 });
      const entry = JSON.parse(elected.value) as CachedCompletion;
      this.near?.fill(key, elected.value, entry.expiresAt, mark);
      return { value: entry, role: 'hit' };
    }
    this.counters.count(readFailed ? { misses: 1, errors: 1 } : { misses: 1 });
    if (elected.role !== 'leader') {
      const entry = elected.role === 'local-follower' ? await elected.state : await this.waitForLeader(key);
      if (entry) {
        this.counters.count({ coalesced: 1 });
        return { value: entry, role: 'follower' };
      }
      const { value, entry: own } = await compute();
      if (own) await this.set(key, own, policy);
      return { value, role: 'leader' };
    }
    let entry: CachedCompletion | null = null;
    // Followers of other instances are told when the entry is there (they also look for it
    // every FOLLOWER_POLL_MS); with the entry written, only when one waits.
    let notify = true;
    try {
      const computed = await compute();
      entry = computed.entry;
      if (entry && policy.write !== false) {
        const { raw, ttlSeconds, expiresAt } = this.stored(entry, policy);
        try {
          notify = await elected.resignWriting(key, raw, ttlSeconds);
          this.counters.count({ writes: 1 });
          this.near?.fill(key, raw, expiresAt, mark);
        } catch (e) {
          this.logger.debug('cache write failed; skipped', { error: (e as Error).message });
        }
      }
      return { value: computed.value, role: 'leader' };
    } finally {
      settle(entry);
      if (notify) this.pubsub.publish(`fill:${key}`, { ok: entry !== null }).catch(() => {});
      elected.resign();
    }
  }

  /** Waits for another instance's leader: its notification, or the entry appearing, or the timeout. */
  private async waitForLeader(key: string): Promise<CachedCompletion | null> {
    const deadline = Date.now() + this.options.coalesceWaitMs;
    let notified: (() => void) | undefined;
    const notification = new Promise<void>((r) => (notified = r));
    let unsubscribe: (() => void) | undefined;
    try {
      unsubscribe = await this.pubsub.subscribe(`fill:${key}`, () => notified?.());
    } catch {
      // no notifications: polling alone
    }
    try {
      while (Date.now() < deadline) {
        const raw = await this.store.read(key).catch(() => null);
        if (raw) return JSON.parse(raw) as CachedCompletion;
        if (!(await this.leaders.held(key))) return null; // leader gone without an entry
        await Promise.race([notification, new Promise((r) => setTimeout(r, FOLLOWER_POLL_MS))]);
      }
      return null;
    } finally {
      unsubscribe?.();
    }
  }

  async stats(): Promise<CacheStats> {
    const [counts, { entries, bytes }] = await Promise.all([this.counters.totals(), this.store.measure()]);
    const { hits, misses } = counts;
    return {
      enabled: this.enabled,
      backend: this.kv.kind,
      ...counts,
      localEntries: this.near?.size ?? 0,
      hitRatePercent: hits + misses ? Math.round((hits / (hits + misses)) * 1000) / 10 : 0,
      entries,
      bytes,
    };
  }

  async memory() {
    const stats = await this.stats();
    let usage = { usedBytes: 0, totalBytes: 0 };
    try {
      usage = await this.kv.memoryUsage();
    } catch {
      // unreachable
    }
    return {
      totalMemoryBytes: usage.totalBytes,
      usedMemoryBytes: usage.usedBytes,
      memoryUsagePercent: usage.totalBytes ? Math.round((usage.usedBytes / usage.totalBytes) * 1000) / 10 : 0,
      keysCount: stats.entries,
      cacheBytes: stats.bytes,
    };
  }

  async health(): Promise<CacheHealth> {
    const status = this.kv.status();
    const localTier = !this.near ? 'off' : this.near.serving ? 'serving' : 'paused';
    const base = { backend: this.kv.kind, breaker: status.breaker, localTier } as const;
    if (!this.enabled) return { status: 'disabled', redisConnected: status.kind === 'redis' && status.connected, responseTimeMs: null, ...base };
    try {
      const ms = await this.kv.ping();
      return { status: 'healthy', redisConnected: status.kind === 'redis', responseTimeMs: Math.round(ms * 100) / 100, ...base };
    } catch (e) {
      return { status: 'degraded', redisConnected: false, responseTimeMs: null, ...base, breaker: this.kv.status().breaker, error: (e as Error).message };
    }
  }

  /**
   * Deletes the shared entries, then tells every instance's local tier (this one's too, at
   * once). The message is queued while this instance's publisher reconnects; should it still
   * not go out, other instances serve what they hold until it leaves their tiers
   * (CACHE_LOCAL_TTL at most).
   */
  private async clearPattern(pattern: string): Promise<number> {
    const prefix = pattern.slice(0, -1); // patterns are '<prefix>*'
    try {
      return await this.store.deleteMatching(pattern);
    } finally {
      this.near?.drop(prefix);
      if (this.kv.kind === 'redis') {
        await this.pubsub.publish(INVALIDATE_CHANNEL, { prefix }).catch((e) => {
          this.logger.warn('cache invalidation not published; other instances keep local entries until their tiers expire', { error: (e as Error).message });
        });
      }
    }
  }

  /** Deletes every entry (statistics are kept). */
  clearAll() {
    return this.clearPattern(ENTRY_PATTERN);
  }
  clearProvider(provider: string) {
    return this.clearPattern(providerKeyPattern(provider));
  }
  clearModel(provider: string, model: string) {
    return this.clearPattern(modelKeyPattern(provider, model));
  }
}
