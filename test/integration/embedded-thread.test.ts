// The embedded database runs on a thread of its own (src/db/pglite-thread.ts). When that thread
// dies: completions keep being answered, what needs the database answers 503 instead of hanging,
// the recorder keeps the calls and writes them once a new thread is up on the same folder, and
// stopping the gateway with the thread dead does not hang and loses no call.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const REQUESTS = 24;

describe('the embedded database thread dies', () => {
  const dirs: string[] = [];
  const apps: TestApp[] = [];
  const start = async (dataDir: string) => {
    const t = await startTestApp({ backend: 'embedded', env: { DATA_DIR: dataDir } });
    apps.push(t);
    return t;
  };
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'aigw-thread-'));
    dirs.push(d);
    return d;
  };
  const stored = async (t: TestApp) => (await t.app.services.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM api_calls'))[0]!.n;
  const complete = (t: TestApp, token: string, i: number) => t.request('POST', '/api/ai/local', { token, body: { prompt: `thread request ${i}`, max_tokens: 16 } });

  afterAll(async () => {
    for (const t of apps) await t.stop().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('answers completions, refuses database reads with 503, and records every call once a new thread is up', async () => {
    const t = await start(folder());
    const token = await t.adminToken();
    expect((await complete(t, token, -1)).status).toBe(200);
    await expect.poll(() => stored(t), { interval: 50, timeout: 10_000 }).toBe(1);

    const thread = t.app.services.db.thread!;
    const restarted = once(thread, 'restarted');
    await thread.kill();
    // Straight after the crash (the new thread starts a second later).
    const summary = await t.request('GET', '/api/ai/analytics/summary', { token });
    expect(summary.status).toBe(503);
    expect(summary.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
    await expect(t.app.services.db.ping()).rejects.toThrow(/unavailable/);

    const statuses = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => complete(t, token, i)));
    expect(statuses.map((r) => r.status)).toEqual(Array(REQUESTS).fill(200));

    await restarted;
    expect(thread.restarts).toBe(1);
    await expect.poll(() => stored(t), { interval: 100, timeout: 30_000 }).toBe(REQUESTS + 1);
    expect(t.app.services.recorder.stats()).toMatchObject({ queued: 0, dropped: 0, written: REQUESTS + 1 });
    expect((await t.request('GET', '/api/ai/analytics/summary', { token })).body.total_api_calls).toBe(REQUESTS + 1);
  });

  it('stops without hanging when the thread is dead, and the calls it could not write are written at the next start', async () => {
    const dir = folder();
    const t = await start(dir);
    const token = await t.adminToken();
    // The user is looked up (and cached) by a first request, as in traffic.
    expect((await complete(t, token, -1)).status).toBe(200);
    await t.app.services.db.thread!.kill();
    const statuses = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => complete(t, token, i)));
    expect(statuses.map((r) => r.status)).toEqual(Array(REQUESTS).fill(200));
    // Whether the new thread came up in time or the calls went to the spill folder, none is lost.
    await t.stop({ cleanup: false });
    expect(t.app.services.recorder.stats().dropped).toBe(0);

    const again = await start(dir);
    await expect.poll(() => stored(again), { interval: 100, timeout: 30_000 }).toBe(REQUESTS + 1);
    expect(again.app.services.recorder.stats().dropped).toBe(0);
  });
});
