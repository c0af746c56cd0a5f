// In-memory implementations for a single instance: a bounded LRU map with TTLs
// and an in-process pub/sub.
import { EventEmitter } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import type { KeyValueStore, KvStatus, LimitedCounter, LimitedIncrResult, PubSub, SettledCounter } from './types.js';

interface Entry {
  value: string | Map<string, string> | Set<string>;
  expiresAt: number; // 0 = never
}

export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, Entry>();

  /** `now` is the clock expiries are read against (tests pass their own). */
  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt && e.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    // Refresh recency: Map keeps insertion order, the oldest first.
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  private put(key: string, e: Entry) {
    this.map.delete(key);
    this.map.set(key, e);
    while (this.map.size > this.maxKeys) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  private str(key: string): string | null {
    const e = this.entry(key);
    return e && typeof e.value === 'string' ? e.value : null;
  }

  get size() {
    return this.map.size;
  }

  async get(key: string) {
    return this.str(key);
  }
  async mget(keys: string[]) {
    return keys.map((k) => this.str(k));
  }
  async set(key: string, value: string, ttlSeconds?: number) {
    this.put(key, { value, expiresAt: ttlSeconds ? this.now() + ttlSeconds * 1000 : 0 });
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.entry(key)) return false;
    this.put(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }
  async deleteIfEquals(key: string, value: string) {
    if (this.str(key) !== value) return false;
    this.map.delete(key);
    return true;
  }
  async getOrLock(key: string, lockKey: string, token: string, ttlMs: number) {
    const value = this.str(key);
    if (value !== null) return { value };
    const locked = (await this.setIfAbsent(lockKey, token, ttlMs)) || this.str(lockKey) === token;
    if (!locked) await this.set(`${lockKey}:waited`, '1', Math.ceil(ttlMs / 1000));
    return { value: null, locked };
  }
  async setAndUnlock(key: string, value: string, ttlSeconds: number, lockKey: string, token: string) {
    await this.set(key, value, ttlSeconds);
    await this.deleteIfEquals(lockKey, token);
    return (await this.del([`${lockKey}:waited`])) > 0;
  }
  async del(keys: string[]) {
    let n = 0;
    for (const k of keys) if (this.entry(k) && this.map.delete(k)) n++;
    return n;
  }
  async incr(key: string, by = 1, ttlSeconds?: number) {
    const e = this.entry(key);
    const now = this.now();
    if (!e || typeof e.value !== 'string') {
      const expiresAt = ttlSeconds ? now + ttlSeconds * 1000 : 0;
      this.put(key, { value: String(by), expiresAt });
      return { value: by, ttlSeconds: ttlSeconds ?? -1 };
    }
    const value = Number(e.value) + by;
    e.value = String(value);
    return { value, ttlSeconds: e.expiresAt ? Math.max(0, Math.ceil((e.expiresAt - now) / 1000)) : -1 };
  }
  /** The same as the Redis script, synchronously (nothing else runs in between). */
  async incrWithinLimits(counters: LimitedCounter[]): Promise<LimitedIncrResult> {
    return this.incrWithinLimitsNow(counters);
  }
  incrWithinLimitsNow(counters: LimitedCounter[]): LimitedIncrResult {
    const now = this.now();
    const missing: number[] = [];
    counters.forEach((c, i) => {
      if (!c.requireSeed || this.str(c.key) !== null) return;
      if (c.seed === undefined) missing.push(i);
      else this.put(c.key, { value: String(Math.round(c.seed)), expiresAt: c.ttlSeconds > 0 ? now + c.ttlSeconds * 1000 : 0 });
    });
    if (missing.length) return { ok: false, missing };
    const current = counters.map((c) => (c.slot !== undefined ? this.liveSlots(c.key, now).size : Number(this.str(c.key) ?? 0)));
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i]!;
      if (c.limit !== null && current[i]! + c.by > c.limit) {
        const e = this.entry(c.key);
        return { ok: false, index: i, value: current[i]!, ttlSeconds: e?.expiresAt ? Math.max(0, Math.ceil((e.expiresAt - now) / 1000)) : -1 };
      }
    }
    const values = counters.map((c, i) => {
      const expiresAt = c.ttlSeconds > 0 ? now + c.ttlSeconds * 1000 : 0;
      if (c.slot !== undefined) {
        const slots = this.liveSlots(c.key, now);
        slots.set(c.slot, now + c.ttlSeconds * 1000);
        this.put(c.key, { value: slotsText(slots), expiresAt });
        return slots.size;
      }
      const v = current[i]! + c.by;
      this.put(c.key, { value: String(v), expiresAt });
      return v;
    });
    return { ok: true, values };
  }
  async incrMany(counters: SettledCounter[]) {
    const now = this.now();
    return counters.map((c) => {
      const expiresAt = c.ttlSeconds > 0 ? now + c.ttlSeconds * 1000 : 0;
      if (c.slot !== undefined) {
        const slots = this.liveSlots(c.key, now);
        slots.delete(c.slot);
        this.put(c.key, { value: slotsText(slots), expiresAt });
        return slots.size;
      }
      const v = Number(this.str(c.key) ?? 0) + c.by;
      this.put(c.key, { value: String(v), expiresAt });
      return v;
    });
  }
  /** The slots of a slot counter (kept as JSON text: slot -> end time) that have not ended. */
  private liveSlots(key: string, now: number): Map<string, number> {
    const text = this.str(key);
    const slots = new Map<string, number>(text ? (JSON.parse(text) as [string, number][]) : []);
    for (const [slot, end] of slots) if (end <= now) slots.delete(slot);
    return slots;
  }
  async hincr(key: string, fields: Record<string, number>) {
    let e = this.entry(key);
    if (!e || !(e.value instanceof Map)) {
      e = { value: new Map<string, string>(), expiresAt: 0 };
      this.put(key, e);
    }
    const h = e.value as Map<string, string>;
    for (const [f, by] of Object.entries(fields)) h.set(f, String(Number(h.get(f) ?? 0) + by));
  }
  async hgetall(key: string) {
    const e = this.entry(key);
    return e && e.value instanceof Map ? Object.fromEntries(e.value) : {};
  }
  async sadd(key: string, members: string[]) {
    let e = this.entry(key);
    if (!e || !(e.value instanceof Set)) {
      e = { value: new Set<string>(), expiresAt: 0 };
      this.put(key, e);
    }
    for (const m of members) (e.value as Set<string>).add(m);
  }
  async srem(key: string, members: string[]) {
    const e = this.entry(key);
    if (e && e.value instanceof Set) for (const m of members) e.value.delete(m);
  }
  async smembers(key: string) {
    const e = this.entry(key);
    return e && e.value instanceof Set ? [...e.value] : [];
  }
  async *scan(pattern: string, batch = 500) {
    const re = globToRegExp(pattern);
    let page: string[] = [];
    for (const k of [...this.map.keys()]) {
      if (!re.test(k) || !this.entry(k)) continue;
      page.push(k);
      if (page.length >= batch) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
  async ping() {
    return 0;
  }
  async memoryUsage() {
    let usedBytes = 0;
    for (const [k, e] of this.map) usedBytes += k.length + (typeof e.value === 'string' ? e.value.length : 64);
    return { usedBytes, totalBytes: getHeapStatistics().heap_size_limit };
  }
  status(): KvStatus {
    return { kind: 'memory', connected: true, breaker: 'closed' };
  }
  async close() {
    this.map.clear();
  }
}

const slotsText = (slots: Map<string, number>) => JSON.stringify([...slots]);

export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export class MemoryPubSub implements PubSub {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }
  async publish(channel: string, payload: unknown) {
    // Deliver asynchronously, as Redis would, so publishers never run subscriber code inline.
    queueMicrotask(() => this.emitter.emit(channel, payload));
  }
  async subscribe(channel: string, handler: (payload: unknown) => void) {
    this.emitter.on(channel, handler);
    return () => {
      this.emitter.off(channel, handler);
    };
  }
  /** In one process delivery never stops. */
  onDeliveryChange(_handler: (delivering: boolean) => void) {
    return () => {};
  }
  async close() {
    this.emitter.removeAllListeners();
  }
}
