import { afterEach, describe, expect, it, vi } from 'vitest';
import { LookupCache } from '../../src/auth/lookup-cache.js';

class Outage extends Error {}
const isOutage = (e: unknown) => e instanceof Outage;

describe('LookupCache', () => {
  afterEach(() => vi.useRealTimers());

  it('serves a fresh entry without loading; just after, answers at once and loads in the background', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new LookupCache<string, number>({ ttlMs: 1_000, staleMs: 60_000, maxEntries: 10 });
    const load = vi.fn(async () => 1);
    expect(await cache.get('a', load, isOutage)).toBe(1);
    expect(await cache.get('a', load, isOutage)).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_001);
    load.mockResolvedValueOnce(2);
    expect(await cache.get('a', load, isOutage)).toBe(1);
    expect(load).toHaveBeenCalledTimes(2);
    expect(await cache.get('a', load, isOutage)).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('waits for the load when the entry is older than one more TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new LookupCache<string, string>({ ttlMs: 1_000, staleMs: 60_000, maxEntries: 10 });
    await cache.get('k', async () => 'active', isOutage);
    vi.advanceTimersByTime(2_001);
    expect(await cache.get('k', async () => 'disabled', isOutage)).toBe('disabled');
  });

  it('serves a stale entry while the source is down, within staleMs, and not after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new LookupCache<string, string>({ ttlMs: 1_000, staleMs: 10_000, maxEntries: 10, retryMs: 500 });
    await cache.get('k', async () => 'seen', isOutage);
    vi.advanceTimersByTime(2_000);
    const down = vi.fn(async (): Promise<string> => {
      throw new Outage('down');
    });
    expect(await cache.get('k', down, isOutage)).toBe('seen');
    // Not tried again on every call: once per retryMs.
    expect(await cache.get('k', down, isOutage)).toBe('seen');
    expect(down).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(501);
    expect(await cache.get('k', down, isOutage)).toBe('seen');
    expect(down).toHaveBeenCalledTimes(2);
    expect(cache.staleServed).toBe(3);
    vi.advanceTimersByTime(10_000);
    await expect(cache.get('k', down, isOutage)).rejects.toBeInstanceOf(Outage);
  });

  it('does not hide errors that are not outages, nor outages for keys never seen', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new LookupCache<string, string>({ ttlMs: 1_000, staleMs: 10_000, maxEntries: 10 });
    await cache.get('k', async () => 'v', isOutage);
    vi.advanceTimersByTime(2_001);
    await expect(cache.get('k', async () => Promise.reject(new Error('bug')), isOutage)).rejects.toThrow('bug');
    // The entry is gone: the next lookup's outcome is the answer.
    await expect(cache.get('k', async () => Promise.reject(new Outage('down')), isOutage)).rejects.toBeInstanceOf(Outage);
    await expect(cache.get('new', async () => Promise.reject(new Outage('down')), isOutage)).rejects.toBeInstanceOf(Outage);
  });

  it('forgets an invalidated key at once, even for a lookup already under way', async () => {
    const cache = new LookupCache<string, string>({ ttlMs: 60_000, staleMs: 60_000, maxEntries: 10 });
    await cache.get('u', async () => 'active', isOutage);
    cache.delete('u');
    expect(await cache.get('u', async () => 'disabled', isOutage)).toBe('disabled');

    // A lookup that read the old state before the invalidation must not be stored or joined.
    let finishOld!: (v: string) => void;
    const old = cache.get('x', () => new Promise<string>((r) => (finishOld = r)), isOutage);
    cache.delete('x');
    const fresh = cache.get('x', async () => 'new', isOutage);
    finishOld('old');
    expect(await old).toBe('old');
    expect(await fresh).toBe('new');
    expect(await cache.get('x', async () => 'reloaded', isOutage)).toBe('new');
  });

  it('expireAll makes every entry load again but keeps them for outages', async () => {
    const cache = new LookupCache<string, string>({ ttlMs: 60_000, staleMs: 60_000, maxEntries: 10 });
    await cache.get('a', async () => 'one', isOutage);
    cache.expireAll();
    expect(await cache.get('a', async () => Promise.reject(new Outage('down')), isOutage)).toBe('one');
    cache.expireAll();
    expect(await cache.get('a', async () => 'two', isOutage)).toBe('two');
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new LookupCache<string, number>({ ttlMs: 60_000, staleMs: 0, maxEntries: 10 });
    let release!: () => void;
    const load = vi.fn(() => new Promise<number>((r) => (release = () => r(7))));
    const all = Promise.all(Array.from({ length: 50 }, () => cache.get('k', load, isOutage)));
    release();
    expect(await all).toEqual(Array(50).fill(7));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new LookupCache<number, number>({ ttlMs: 60_000, staleMs: 0, maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) await cache.get(i, async () => i, isOutage);
    expect(cache.size).toBe(100);
    const load = vi.fn(async () => -1);
    expect(await cache.get(999, load, isOutage)).toBe(999);
    expect(await cache.get(0, load, isOutage)).toBe(-1);
  });
});
