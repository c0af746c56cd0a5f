// The recorder past its in-memory bound: calls go to a spill folder on disk (bounded
// in bytes), come back once the table takes writes again, survive a restart, and
// every call the spill cannot take is counted by reason. The table is a stand-in
// whose availability the test sets; the PostgreSQL outage itself is in
// test/integration/analytics-outage.test.ts.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageRecorder, type CallRecord, type StoredCall } from '../../src/analytics/recorder.js';
import { SpillStore } from '../../src/analytics/spill.js';
import { createLogger } from '../../src/logger.js';

const call = (n: number): CallRecord => ({
  userId: null, provider: 'local', model: 'local-sim', source: 'rest', inputTokens: n, outputTokens: 0, costUsd: 0, listCostUsd: 0,
  costEstimated: false, latencyMs: 1, cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'success', errorCode: null,
});

/** A stand-in table keyed by id (a repeated id is skipped, as ON CONFLICT DO NOTHING does); refuses writes while `down`. */
function table() {
  const rows = new Map<string, StoredCall>();
  const state = { down: false };
  const write = async (batch: StoredCall[]) => {
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    for (const r of batch) if (!rows.has(r.id)) rows.set(r.id, r);
  };
  return { rows, state, write };
}

const log = createLogger('silent');
const dirs: string[] = [];
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), 'aigw-spill-test-'));
  dirs.push(d);
  return d;
};
const segments = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.ndjson'));
const bytesOnDisk = (dir: string) => segments(dir).reduce((a, n) => a + statSync(join(dir, n)).size, 0);
/** Calls passed to record() are taken in once the event loop's turn is over. */
const taken = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('usage recorder spill', () => {
  it('spills what the queue cannot hold while the table is down, and writes it all once it is back', async () => {
    const t = table();
    const dir = folder();
    const r = new UsageRecorder(t.write, { enabled: true, maxQueue: 10, batchSize: 4, flushIntervalMs: 60_000, spill: new SpillStore({ dir, maxBytes: 1 << 20 }, log) }, log);
    t.state.down = true;
    for (let i = 1; i <= 50; i++) r.record(call(i));
    await taken();
    await r.flush(); // fails
    expect(r.stats()).toMatchObject({ queued: 10, spilled: 40, dropped: 0, written: 0, failedFlushes: 1 });
    expect(r.stats().spillBytes).toBe(bytesOnDisk(dir));
    expect(segments(dir)).toHaveLength(1);

    t.state.down = false;
    await r.flush(); // the queue, then the spill, batch by batch
    expect([...t.rows.values()].map((c) => c.inputTokens).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(r.stats()).toMatchObject({ queued: 0, written: 50, spilled: 40, replayed: 40, dropped: 0, spillBytes: 0 });
    expect(segments(dir)).toEqual([]); // deleted once every call read from it was stored
    await r.close();
  });

  it('keeps the spill within its bound and counts what it refused', async () => {
    const t = table();
    const dir = folder();
    const line = Buffer.byteLength(JSON.stringify({ id: crypto.randomUUID(), createdAt: new Date(), ...call(1) }) + '\n');
    const maxBytes = 5 * line + Math.floor(line / 2);
    const r = new UsageRecorder(t.write, { enabled: true, maxQueue: 10, flushIntervalMs: 60_000, spill: new SpillStore({ dir, maxBytes }, log) }, log);
    t.state.down = true;
    for (let i = 0; i < 30; i++) r.record(call(1));
    await taken();
    expect(r.stats()).toMatchObject({ queued: 10, spilled: 5, dropped: 15, droppedByReason: { spill_full: 15 } });
    expect(bytesOnDisk(dir)).toBe(5 * line);
    expect(bytesOnDisk(dir)).toBeLessThanOrEqual(maxBytes);

    t.state.down = false;
    await r.flush();
    expect(t.rows.size).toBe(15);
    await r.close();
  });

  it('spills what is left at shutdown, and the next start writes it', async () => {
    const t = table();
    const dir = folder();
    const first = new UsageRecorder(t.write, { enabled: true, maxQueue: 10, flushIntervalMs: 60_000, spill: new SpillStore({ dir, maxBytes: 1 << 20 }, log) }, log);
    t.state.down = true;
    for (let i = 1; i <= 30; i++) first.record(call(i));
    await first.close(0); // the database never came back: nothing may be lost
    expect(first.stats()).toMatchObject({ queued: 0, spilled: 30, dropped: 0 });

    t.state.down = false;
    const second = new UsageRecorder(t.write, { enabled: true, flushIntervalMs: 60_000, spill: new SpillStore({ dir, maxBytes: 1 << 20 }, log) }, log);
    await second.flush();
    expect([...t.rows.values()].map((c) => c.inputTokens).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(second.stats()).toMatchObject({ replayed: 30, written: 30, spillBytes: 0 });
    await second.close();
    expect(segments(dir)).toEqual([]);
  });

  it('skips lines it cannot read back and counts them', async () => {
    const t = table();
    const dir = folder();
    const stored = { id: crypto.randomUUID(), createdAt: new Date(), ...call(7) };
    // A line that is not JSON, a call with a forged id, a good call, and a last line cut short.
    writeFileSync(join(dir, 'seg-0000000000001-000000.ndjson'), ['{not json', JSON.stringify({ ...stored, id: 'x' }), JSON.stringify(stored), '{"id":"'].join('\n'));
    const r = new UsageRecorder(t.write, { enabled: true, flushIntervalMs: 60_000, spill: new SpillStore({ dir, maxBytes: 1 << 20 }, log) }, log);
    await r.flush();
    expect([...t.rows.keys()]).toEqual([stored.id]);
    expect(r.stats().droppedByReason).toEqual({ spill_corrupt: 3 });
    await r.close();
  });

  it('never shares a spill folder with another live instance', async () => {
    const dir = folder();
    const a = new SpillStore({ dir, maxBytes: 1 << 20 }, log);
    const b = new SpillStore({ dir, maxBytes: 1 << 20 }, log);
    const rows = [{ id: crypto.randomUUID(), createdAt: new Date(), ...call(1) }];
    expect(a.append(rows)).toEqual({ accepted: 1, refused: 0 });
    expect(b.append(rows)).toEqual({ accepted: 0, refused: 1, reason: 'spill_error' });
    await a.close();
    // Once the owner is gone its folder (and what it left) is taken over.
    const c = new SpillStore({ dir, maxBytes: 1 << 20 }, log);
    expect(c.recover()).toBe(true);
    expect((await c.read(10)).calls.map((x) => x.id)).toEqual([rows[0]!.id]);
    await c.close();
  });
});
