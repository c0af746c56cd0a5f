// The recorder's scheduling, with a stand-in for the table (the database paths
// are covered by the integration suites).
import { describe, expect, it } from 'vitest';
import { UsageRecorder, type CallRecord } from '../../src/analytics/recorder.js';
import { createLogger } from '../../src/logger.js';

const call = (n: number): CallRecord => ({
  userId: null, provider: 'local', model: 'local-sim', source: 'rest', inputTokens: n, outputTokens: n, costUsd: 0, listCostUsd: 0,
  costEstimated: false, latencyMs: 1, cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'success', errorCode: null,
});

function table() {
  const rows: unknown[] = [];
  let wrote: (() => void) | undefined;
  return {
    rows,
    write: async (data: unknown[]) => {
      rows.push(...data);
      wrote?.();
    },
    /** Resolves at the next write. */
    nextWrite: () => new Promise<void>((r) => (wrote = r)),
  };
}

describe('usage recorder flushing', () => {
  it('keeps flushing after a flush that found nothing to write', async () => {
    const t = table();
    const r = new UsageRecorder(t.write, { enabled: true, flushIntervalMs: 10 }, createLogger('silent'));
    await r.flush(); // empty queue
    r.record(call(1));
    await r.flush();
    expect(t.rows).toHaveLength(1);
    const written = t.nextWrite();
    r.record(call(2));
    await written; // the timer flushes it
    expect(t.rows).toHaveLength(2);
    await r.close();
  });

  it('writes records queued while a batch is being written', async () => {
    const t = table();
    const r = new UsageRecorder(t.write, { enabled: true, flushIntervalMs: 1000 }, createLogger('silent'));
    r.record(call(1));
    const first = r.flush();
    r.record(call(2));
    await first;
    await r.flush();
    expect(t.rows).toHaveLength(2);
    await r.close();
  });

  it('writes the calls that arrive during a write together at the next interval, not one statement each', async () => {
    const batches: number[] = [];
    let release: () => void = () => {};
    let started: () => void = () => {};
    const write = async (rows: unknown[]) => {
      batches.push(rows.length);
      started();
      await new Promise<void>((r) => (release = r));
    };
    const r = new UsageRecorder(write, { enabled: true, flushIntervalMs: 10 }, createLogger('silent'));
    const writing = new Promise<void>((s) => (started = s));
    r.record(call(1));
    const first = r.flush();
    await writing;
    // Three calls while the first write is held, each taken in on its own turn.
    for (const n of [2, 3, 4]) {
      r.record(call(n));
      await new Promise((s) => setImmediate(s));
    }
    const next = new Promise<void>((s) => (started = s));
    release();
    await first;
    expect(batches).toEqual([1]);
    await next; // the interval's flush
    release();
    expect(batches).toEqual([1, 3]);
    await r.close();
  });

  it('a flush called during a write resolves only when the calls queued before it are stored too', async () => {
    const stored: unknown[] = [];
    let release: () => void = () => {};
    let started: () => void = () => {};
    const write = async (rows: unknown[]) => {
      started();
      await new Promise<void>((r) => (release = r));
      stored.push(...rows);
    };
    const r = new UsageRecorder(write, { enabled: true, flushIntervalMs: 60_000 }, createLogger('silent'));
    let writing = new Promise<void>((s) => (started = s));
    r.record(call(1));
    void r.flush();
    await writing;
    r.record(call(2));
    const second = r.flush();
    writing = new Promise<void>((s) => (started = s));
    release();
    await writing; // the write of call 2, started for the second flush
    release();
    await second;
    expect(stored).toHaveLength(2);
    await r.close();
  });
});
