// The exact-match response cache: entries, shared statistics, invalidation by
// provider or model (SCAN in batches, never KEYS), request coalescing across
// instances (a lock plus a notification), and fail-open behaviour: any kv
// failure turns into a miss, a skipped write or an uncoordinated call, never an
// error for the caller. With Redis, an optional in-process tier serves repeated hits
// without the round trip; invalidations reach every instance's tier through pub/sub,
// and a tier that may have missed one is emptied and not used until it hears itself.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { ToolCall } from '../providers/types.js';
import { modelKeyPattern, providerKeyPattern } from './completion-key.js';
import { LocalTier, type LocalTierOptions } from './local-tier.js';

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

export type Coalesced<T> = { value: T; role: 'leader' } | { value: CachedCompletion; role: 'follower' };

const STATS_KEY = 'cache:stats';
/**
 * Counters are added up here and sent to the shared hash at most this often, so that a hit
 * costs one Redis command, not two. This instance's own counts are always current; other
 * instances see them within this delay.
 */
const STATS_FLUSH_MS = 1_000;
const ENTRY_PATTERN = 'c:*';
const INVALIDATE_CHANNEL = 'cache:invalidate';
/** How often an instance repeats its probe until it hears it (the first may precede its subscription). */
const PROBE_RETRY_MS = 1_000;

type InvalidateMessage = { prefix: string } | { probe: string };

export class ResponseCache {
  private readonly inflight = new Map<string, Promise<CachedCompletion | null>>();
  /** Counts not yet added to the shared hash. */
  private pending: Record<string, number> = {};
  private flushTimer: NodeJS.Timeout | null = null;

  private readonly local: LocalTier | null;
  /** Set once this instance heard its own probe since delivery last resumed: invalidations reach it. */
  private localTrusted = false;
  private delivering = true;
  private probeId = '';
  private probeTimer: NodeJS.Timeout | null = null;
  /** Bumped whenever local entries may have gone stale: a Redis read begun before must not fill the tier. */
  private generation = 0;
  private invalidations: Promise<(() => void) | null> | null = null;
  private readonly stopWatching: () => void = () => {};

  constructor(
    private readonly kv: KeyValueStore,
    private readonly pubsub: PubSub,
    readonly options: CacheOptions,
    private readonly logger: Logger,
  ) {
    const local = options.local;
    this.local = options.enabled && kv.kind === 'redis' && local && local.maxEntries > 0 ? new LocalTier(local) : null;
    if (!this.local) return;
    this.stopWatching = pubsub.onDeliveryChange((up) => {
      this.delivering = up;
      this.distrustLocal();
      if (up) this.listen();
    });
    this.listen();
  }

  /** Subscribes to invalidations once, then probes until this instance hears itself. */
  private listen() {
    if (!this.invalidations) {
      this.invalidations = this.pubsub.subscribe(INVALIDATE_CHANNEL, (m) => this.onInvalidation(m as InvalidateMessage)).catch((e) => {
        this.invalidations = null; // tried again when delivery resumes
        this.logger.debug('cache invalidation subscription failed; local tier paused', { error: (e as Error).message });
        return null;
      });
    }
    void this.invalidations.then((subscribed) => subscribed && this.probe());
  }

  private probe() {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    if (this.localTrusted || !this.delivering || !this.invalidations) return;
    this.probeId = randomUUID();
    this.pubsub.publish(INVALIDATE_CHANNEL, { probe: this.probeId }).catch(() => {});
    this.probeTimer = setTimeout(() => this.probe(), PROBE_RETRY_MS);
    this.probeTimer.unref?.();
  }

  private onInvalidation(m: InvalidateMessage) {
    if ('prefix' in m) return this.dropLocal(m.prefix);
    if (m.probe !== this.probeId || this.localTrusted) return;
    this.generation++;
    this.localTrusted = true;
  }

  private distrustLocal() {
    this.localTrusted = false;
    this.dropLocal('');
  }

  private dropLocal(prefix: string) {
    this.generation++;
    this.local?.dropPrefix(prefix);
  }

  private get localServing() {
    return this.local !== null && this.localTrusted;
  }

  get enabled() {
    return this.options.enabled;
  }

  private count(fields: Record<string, number>) {
    for (const [f, n] of Object.entries(fields)) this.pending[f] = (this.pending[f] ?? 0) + n;
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushStats(), STATS_FLUSH_MS);
      this.flushTimer.unref?.();
    }
  }

  /** Adds the pending counts to the shared hash; on failure they wait for the next flush. */
  async flushStats(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const counts = this.pending;
    if (Object.keys(counts).length === 0) return;
    this.pending = {};
    try {
      await this.kv.hincr(STATS_KEY, counts);
    } catch {
      this.count(counts); // Redis down: kept (a few numbers) and tried again later
    }
  }

  /** Sends what is pending and stops listening (shutdown). */
  async close(): Promise<void> {
    this.stopWatching();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.delivering = false;
    this.distrustLocal();
    const unsubscribe = await this.invalidations;
    unsubscribe?.();
    return this.flushStats();
  }

  /** A hit or null; a kv failure is a miss. Counts hits and misses. */
  async get(key: string, policy: CachePolicy = {}): Promise<CachedCompletion | null> {
    if (!this.enabled || policy.read === false) return null;
    const near = this.localServing ? this.local!.get(key) : null;
    if (near) {
      this.count({ hits: 1, localHits: 1 });
      return JSON.parse(near) as CachedCompletion;
    }
    const generation = this.generation;
    try {
      const raw = await this.kv.get(key);
      if (raw) {
        this.count({ hits: 1 });
        const entry = JSON.parse(raw) as CachedCompletion;
        if (this.localServing && generation === this.generation) this.local!.set(key, raw, entry.expiresAt);
        return entry;
      }
      this.count({ misses: 1 });
      return null;
    } catch (e) {
      this.count({ misses: 1, errors: 1 });
      this.logger.debug('cache read failed; treating as miss', { error: (e as Error).message });
      return null;
    }
  }

  async set(key: string, entry: CachedCompletion, policy: CachePolicy = {}): Promise<void> {
    if (!this.enabled || policy.write === false) return;
    const ttlSeconds = policy.ttlSeconds ?? this.options.ttlSeconds;
    const expiresAt = Date.now() + ttlSeconds * 1000;
    const raw = JSON.stringify({ ...entry, expiresAt });
    const generation = this.generation;
    try {
      await this.kv.set(key, raw, ttlSeconds);
      this.count({ writes: 1 });
      if (this.localServing && generation === this.generation) this.local!.set(key, raw, expiresAt);
    } catch (e) {
      this.logger.debug('cache write failed; skipped', { error: (e as Error).message });
    }
  }

  /**
   * Runs `compute` once for concurrent identical requests: in this process
   * through a shared promise, across instances through a kv lock and a
   * notification. Followers get the leader's cached entry. A follower whose
   * leader failed, vanished or took longer than coalesceWaitMs computes itself.
   */
  async coalesce<T>(
    key: string,
    policy: CachePolicy,
    compute: () => Promise<{ value: T; entry: CachedCompletion | null }>,
  ): Promise<Coalesced<T>> {
    if (!this.enabled || policy.read === false) return { value: (await compute()).value, role: 'leader' };

    const local = this.inflight.get(key);
    if (local) {
      const entry = await local.catch(() => null);
      if (entry) {
        this.count({ coalesced: 1 });
        return { value: entry, role: 'follower' };
      }
      return { value: (await this.runAsLeader(key, policy, compute, false)).value, role: 'leader' };
    }

    const token = randomUUID();
    const lockKey = `lock:${key}`;
    let locked = true;
    try {
      locked = await this.kv.setIfAbsent(lockKey, token, this.options.coalesceWaitMs);
    } catch {
      locked = true; // kv down: no coordination, just call
    }
    if (!locked) {
      const entry = await this.waitForLeader(key);
      if (entry) {
        this.count({ coalesced: 1 });
        return { value: entry, role: 'follower' };
      }
    }
    try {
      return { value: (await this.runAsLeader(key, policy, compute, true)).value, role: 'leader' };
    } finally {
      if (locked) this.kv.deleteIfEquals(lockKey, token).catch(() => {});
    }
  }

  private async runAsLeader<T>(
    key: string,
    policy: CachePolicy,
    compute: () => Promise<{ value: T; entry: CachedCompletion | null }>,
    notify: boolean,
  ): Promise<{ value: T }> {
    let settle!: (e: CachedCompletion | null) => void;
    const shared = new Promise<CachedCompletion | null>((r) => (settle = r));
    this.inflight.set(key, shared);
    try {
      const { value, entry } = await compute();
      if (entry) await this.set(key, entry, policy);
      settle(entry);
      if (notify) this.pubsub.publish(`fill:${key}`, { ok: !!entry }).catch(() => {});
      return { value };
    } catch (e) {
      settle(null);
      if (notify) this.pubsub.publish(`fill:${key}`, { ok: false }).catch(() => {});
      throw e;
    } finally {
      this.inflight.delete(key);
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
        const raw = await this.kv.get(key).catch(() => null);
        if (raw) return JSON.parse(raw) as CachedCompletion;
        const lockHeld = await this.kv.get(`lock:${key}`).catch(() => null);
        if (!lockHeld) return null; // leader gone without an entry
        await Promise.race([notification, new Promise((r) => setTimeout(r, 50))]);
      }
      return null;
    } finally {
      unsubscribe?.();
    }
  }

  async stats(): Promise<CacheStats> {
    let counters: Record<string, string> = {};
    let entries = 0;
    let bytes = 0;
    try {
      counters = await this.kv.hgetall(STATS_KEY);
      for await (const keys of this.kv.scan(ENTRY_PATTERN, 500)) {
        const values = await this.kv.mget(keys);
        for (const v of values) {
          if (v === null) continue;
          entries++;
          bytes += Buffer.byteLength(v);
        }
      }
    } catch {
      // kv unreachable: report what could be read
    }
    // Plus this instance's counts not yet sent.
    const n = (f: string) => Number(counters[f] ?? 0) + (this.pending[f] ?? 0);
    const hits = n('hits');
    const misses = n('misses');
    return {
      enabled: this.enabled,
      backend: this.kv.kind,
      hits,
      misses,
      writes: n('writes'),
      coalesced: n('coalesced'),
      errors: n('errors'),
      localHits: n('localHits'),
      localEntries: this.local?.size ?? 0,
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
    const localTier = !this.local ? 'off' : this.localServing ? 'serving' : 'paused';
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
    let cleared = 0;
    const prefix = pattern.slice(0, -1); // patterns are '<prefix>*'
    try {
      for await (const keys of this.kv.scan(pattern, 500)) cleared += await this.kv.del(keys);
    } finally {
      this.dropLocal(prefix);
      if (this.kv.kind === 'redis') {
        await this.pubsub.publish(INVALIDATE_CHANNEL, { prefix }).catch((e) => {
          this.logger.warn('cache invalidation not published; other instances keep local entries until their tiers expire', { error: (e as Error).message });
        });
      }
    }
    return cleared;
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
