// The recorder's bound while the database is unavailable and no spill folder is set: the queue keeps at
// most maxQueue calls, drops the oldest not being written, counts and reports
// what it dropped, and writes the rest once the database is back.
import { describe, expect, it } from 'vitest';
import { UsageRecorder, type CallRecord } from '../../src/analytics/recorder.js';
import type { Logger } from '../../src/logger.js';

const call = (n: number): CallRecord => ({
  userId: null, provider: 'local', model: 'local-sim', source: 'rest', inputTokens: n, outputTokens: 0, costUsd: 0, listCostUsd: 0,
  costEstimated: false, latencyMs: 1, cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'success', errorCode: null,
});

/** A stand-in table: writes fail while `down`, or wait for `release()` while `held`. */
function table() {
  const rows: CallRecord[] = [];
  const state = { down: false, held: null as null | { promise: Promise<void>; release: () => void } };
  const write = async (data: CallRecord[]) => {
    if (state.held) await state.held.promise;
    if (state.down) throw new Error('database is not currently accepting connections');
    rows.push(...data);
  };
  const hold = () => {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    state.held = { promise, release: () => { state.held = null; release(); } };
  };
  return { rows, state, hold, write };
}

function logger() {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const l: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => warnings.push({ msg, fields }) };
  return { l, warnings };
}

/** A call passed to record() is taken in (listeners, queue) once the event loop's turn is over. */
const taken = () => new Promise((resolve) => setImmediate(resolve));

describe('usage recorder bound', () => {
  it('keeps at most maxQueue calls while the database is down, reports the dropped count, then writes the rest', async () => {
    const t = table();
    const log = logger();
    const r = new UsageRecorder(t.write, { enabled: true, maxQueue: 3, flushIntervalMs: 60_000 }, log.l);
    t.state.down = true;
    for (let i = 1; i <= 5; i++) r.record(call(i));
    await r.flush(); // fails
    expect(r.stats()).toMatchObject({ queued: 3, dropped: 2, written: 0, failedFlushes: 1 });
    expect(r.stats().lastError).toContain('not currently accepting connections');
    expect(r.stats().droppedByReason).toEqual({ queue_full: 2 }); // no spill folder: the queue's bound is the last one
    const warnings = log.warnings.filter((w) => w.msg.includes('dropped'));
    expect(warnings.map((w) => w.fields)).toEqual([{ reason: 'queue_full', maxQueue: 3, dropped: 1 }]); // logged at the first drop, then at most every 10 s

    t.state.down = false;
    await r.flush();
    expect(t.rows.map((c) => c.inputTokens)).toEqual([3, 4, 5]); // the oldest went
    expect(r.stats()).toMatchObject({ queued: 0, dropped: 2, written: 3 });
    await r.close();
  });

  it('never drops a record that is being written, and never loses one queued behind it', async () => {
    const t = table();
    const r = new UsageRecorder(t.write, { enabled: true, maxQueue: 4, batchSize: 2, flushIntervalMs: 60_000 }, logger().l);
    for (let i = 1; i <= 4; i++) r.record(call(i));
    t.hold();
    const writing = r.flush(); // 1 and 2 in flight
    r.record(call(5));
    await taken(); // full: 3 (the oldest not in flight) goes
    t.state.held!.release();
    await writing;
    expect(t.rows.map((c) => c.inputTokens)).toEqual([1, 2, 4, 5]);
    expect(r.stats()).toMatchObject({ queued: 0, dropped: 1, written: 4 });
    await r.close();
  });

  it('drops the new call when everything queued is being written', async () => {
    const t = table();
    const r = new UsageRecorder(t.write, { enabled: true, maxQueue: 2, batchSize: 10, flushIntervalMs: 60_000 }, logger().l);
    r.record(call(1));
    r.record(call(2));
    t.hold();
    const writing = r.flush();
    r.record(call(3));
    await taken();
    t.state.held!.release();
    await writing;
    expect(t.rows.map((c) => c.inputTokens)).toEqual([1, 2]);
    expect(r.stats()).toMatchObject({ queued: 0, dropped: 1, written: 2 });
    await r.close();
  });

  it('tells onRecord listeners about every call, even with analytics off', async () => {
    const t = table();
    const r = new UsageRecorder(t.write, { enabled: false }, logger().l);
    const seen: number[] = [];
    const off = r.onRecord((c) => seen.push(c.inputTokens));
    r.onRecord(() => {
      throw new Error('a broken listener');
    });
    r.record(call(7));
    expect(seen).toEqual([]); // after the answer is written, not on the request path
    await taken();
    expect(seen).toEqual([7]);
    off();
    r.record(call(8));
    await taken();
    expect(seen).toEqual([7]);
    expect(r.stats().queued).toBe(0);
  });
});
