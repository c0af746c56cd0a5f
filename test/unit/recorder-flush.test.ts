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
});
