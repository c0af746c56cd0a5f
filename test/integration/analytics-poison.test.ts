// Analytics that one bad call cannot poison, through the real gateway on both
// backends. Two calls the database would refuse: one by a user deleted while the
// call was in flight (its user id no longer in users), one whose model name, as the
// provider answered it, carries a NUL byte. The NUL is cleaned before the call is
// queued; the deleted user's call is refused by the database, set aside in the
// dead-letter table with its error, and every other call is written, then and after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';

describe.each(BACKENDS)('analytics poison on %s', (backend) => {
  let t: TestApp;
  let mock: MockUpstream;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock, { ENABLE_CACHING: 'false' }) });
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });

  it('sets the call of a deleted user aside, cleans a NUL model name, and writes every other call', async () => {
    const admin = await t.adminToken();
    const recorder = t.app.services.recorder;
    const prisma = t.app.services.db.prisma;
    expect((await t.request('POST', '/api/auth/users', { token: admin, body: { username: 'doomed', password: 'doomed-password' } })).status).toBe(201);
    const doomed = await t.request('POST', '/api/auth/login', { body: { username: 'doomed', password: 'doomed-password' } });
    const doomedId = (await prisma.user.findUniqueOrThrow({ where: { username: 'doomed' } })).id;

    // The doomed user's call reaches the provider, which holds its answer until the user is deleted.
    let release!: () => void;
    mock.enqueue('openai', { hold: new Promise<void>((r) => (release = r)) });
    const inFlight = t.request('POST', '/api/ai/openai', { token: doomed.body.access_token, body: { prompt: 'a call outliving its user', max_tokens: 8 } });
    await expect.poll(() => mock.count('openai'), { interval: 20, timeout: 20_000 }).toBe(1);
    await prisma.user.delete({ where: { id: doomedId } });

    // The provider names its model with a NUL byte: that name is what the call records.
    mock.enqueue('openai', {
      body: {
        id: 'chatcmpl-nul', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-4o\u0000poisoned', system_fingerprint: null,
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      },
    });
    release();
    const answers = await Promise.all([
      inFlight,
      t.request('POST', '/api/ai/openai', { token: admin, body: { prompt: 'a call with a poisoned model name', max_tokens: 8 } }),
      ...Array.from({ length: 6 }, (_, i) => t.request('POST', '/api/ai/local', { token: admin, body: { prompt: `an ordinary call ${i}`, max_tokens: 8 } })),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers[1]!.body.model).toBe('gpt-4o\u0000poisoned'); // the caller gets what the provider said

    // 7 written, 1 set aside; nothing left queued (before, the whole queue waited behind the bad row forever).
    await expect.poll(() => recorder.stats().written, { interval: 50, timeout: 30_000 }).toBe(7);
    expect(recorder.stats()).toMatchObject({ queued: 0, dropped: 0, deadLettered: { '23503': 1 }, sanitized: { model: 1 } });
    const letters = await prisma.apiCallDeadLetter.findMany();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.errorCode).toBe('23503');
    expect(letters[0]!.error).toMatch(/foreign key/);
    expect(JSON.parse(letters[0]!.record)).toMatchObject({ userId: doomedId, provider: 'openai', status: 'success' });
    const stored = await prisma.apiCall.findMany({ where: { provider: 'openai' } });
    expect(stored.map((c) => c.model)).toEqual(['gpt-4o\ufffdpoisoned']);

    // The dashboard counts what was written, and later calls are still recorded.
    expect((await t.request('GET', '/api/ai/analytics/summary', { token: admin })).body.total_api_calls).toBe(7);
    expect((await t.request('POST', '/api/ai/local', { token: admin, body: { prompt: 'after the poison', max_tokens: 8 } })).status).toBe(200);
    await expect.poll(() => recorder.stats().written, { interval: 50, timeout: 30_000 }).toBe(8);

    const metrics = (await t.request('GET', '/metrics')).body as string;
    expect(metrics).toContain('aigw_analytics_dead_letters_total{code="23503"} 1');
    expect(metrics).toContain('aigw_analytics_sanitized_total{field="model"} 1');
    expect(metrics).toContain('aigw_analytics_dropped_total{reason="queue_full"} 0');
  });
});
