// The database goes away during traffic (PostgreSQL only): the gateway's own
// database stops accepting connections and its sessions are killed. Completions
// must keep succeeding, and once the database is back every call must be
// recorded: the recorder holds what its queue can (ANALYTICS_MAX_QUEUE, small here),
// spills the rest to its folder on disk, and writes both once it can.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_PG_ADMIN_URL } from '../helpers/env.js';

const REQUESTS = 40;
const QUEUE = 10;

describe('analytics while PostgreSQL is unreachable', () => {
  let t: TestApp;
  let admin: pg.Client;
  let dbName: string;
  let reachable = true;

  const setReachable = async (on: boolean) => {
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${on}`);
    if (!on) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
    reachable = on;
  };
  const storedCalls = async () => {
    const c = new pg.Client({ connectionString: t.config.databaseUrl });
    await c.connect();
    try {
      return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM api_calls')).rows[0]!.n;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres+redis', env: { ANALYTICS_MAX_QUEUE: String(QUEUE) } });
    dbName = new URL(t.config.databaseUrl!).pathname.slice(1);
    admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    if (!reachable) await setReachable(true);
    await admin?.end();
    await t?.stop();
  });

  it('answers every completion during the outage and records them all afterwards, past the in-memory queue', async () => {
    const token = await t.adminToken();
    const complete = (i: number) => t.request('POST', '/api/ai/local', { token, body: { prompt: `outage request ${i}`, max_tokens: 16 } });
    expect((await complete(-1)).status).toBe(200);
    await expect.poll(storedCalls, { interval: 50, timeout: 10_000 }).toBe(1);

    await setReachable(false);
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, REQUESTS - i) }, (_, k) => complete(i + k)));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    // The recorder has tried and failed at least once; it holds a queue's worth and spilled the rest.
    const recorder = t.app.services.recorder;
    await expect.poll(() => recorder.stats().failedFlushes, { interval: 50, timeout: 15_000 }).toBeGreaterThan(0);
    expect(recorder.stats()).toMatchObject({ queued: QUEUE, spilled: REQUESTS - QUEUE, dropped: 0 });
    const spillDir = t.config.analyticsSpillDir!;
    expect(readdirSync(spillDir).filter((n) => n.endsWith('.ndjson'))).toHaveLength(1);

    await setReachable(true);
    await expect.poll(storedCalls, { interval: 100, timeout: 30_000 }).toBe(REQUESTS + 1);
    await expect.poll(() => recorder.stats().spillBytes, { interval: 50, timeout: 10_000 }).toBe(0);
    expect(recorder.stats()).toMatchObject({ queued: 0, dropped: 0, replayed: REQUESTS - QUEUE, written: REQUESTS + 1 });
    expect(readdirSync(spillDir).filter((n) => n.endsWith('.ndjson'))).toEqual([]);
    const summary = await t.request('GET', '/api/ai/analytics/summary', { token });
    expect(summary.body.total_api_calls).toBe(REQUESTS + 1);
  });
});
