// Daily budget alerts through a real SMTP conversation (a sink written for the
// tests): one e-mail the day recorded cost exceeds DAILY_BUDGET_USD, however
// many calls follow and however many instances check.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetAlerts } from '../../src/analytics/budget.js';
import type { CallRecord } from '../../src/analytics/recorder.js';
import { createLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const paid = (costUsd: number): CallRecord => ({
  userId: null, provider: 'openai', model: 'gpt-4o', source: 'test', inputTokens: 1000, outputTokens: 1000, costUsd, listCostUsd: costUsd,
  costEstimated: false, latencyMs: 10, cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'success', errorCode: null,
});
const today = () => new Date().toISOString().slice(0, 10);
const unfold = (mail: string) => mail.replace(/\r\n[ \t]+/g, ' ');

/** Records calls through the app's recorder and waits until they are stored and the budget checked. */
async function spend(t: TestApp, ...costs: number[]) {
  const { recorder, analytics } = t.app.services;
  for (const c of costs) recorder.record(paid(c));
  await recorder.flush();
  await analytics.budget.idle();
}

describe.each(BACKENDS)('daily budget alerts on %s', (backend) => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ backend, env: { DAILY_BUDGET_USD: '0.5', ALERT_EMAIL: 'ops@example.com', SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.close();
  });

  it('sends exactly one e-mail on the day the cost exceeds the budget', async () => {
    const token = await t.adminToken();
    await spend(t, 0.3);
    expect(sink.messages).toHaveLength(0);
    expect((await t.request('GET', '/api/ai/analytics/alerts', { token })).body).toEqual({ daily_budget_usd: 0.5, today_cost_usd: 0.3, alerts: [] });

    await spend(t, 0.3); // 0.6 > 0.5
    await expect.poll(() => sink.messages.length, { interval: 20, timeout: 10_000 }).toBe(1);
    const mail = sink.messages[0]!;
    expect(mail.to).toEqual(['ops@example.com']);
    expect(mail.from).toBe('ai-gateway@example.com');
    expect(unfold(mail.data)).toContain(`Subject: [AI Gateway] Daily budget exceeded on ${today()}: $0.6000 of $0.50`);
    expect(unfold(mail.data)).toContain('Budget (DAILY_BUDGET_USD): $0.50');

    // More calls, more checks, and another instance's check (which has no memory of the alert): still one mail.
    await spend(t, 0.3, 0.3);
    await spend(t, 0.3);
    const otherInstance = new BudgetAlerts(t.app.services.db.prisma, t.app.services.analytics.queries, t.config, createLogger('silent'));
    expect(await otherInstance.check()).toBeNull();
    expect(sink.messages).toHaveLength(1);

    const alerts = (await t.request('GET', '/api/ai/analytics/alerts', { token })).body;
    expect(alerts.daily_budget_usd).toBe(0.5);
    expect(alerts.today_cost_usd).toBeCloseTo(1.5, 8);
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0]).toMatchObject({ day: today(), budget_usd: 0.5, email: 'ops@example.com', delivered: true, error: null });
    expect(alerts.alerts[0].cost_usd).toBeCloseTo(0.6, 8);
    const gql = await t.gql('{ budgetAlerts { dailyBudgetUsd alerts { day delivered email } } }', undefined, token);
    expect(gql.body.data.budgetAlerts).toEqual({ dailyBudgetUsd: 0.5, alerts: [{ day: today(), delivered: true, email: 'ops@example.com' }] });
  });
});

describe('daily budget alerts when the mail cannot go', () => {
  it('records the alert as not delivered, with the reason', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const t = await startTestApp({ backend: 'embedded', env: { DAILY_BUDGET_USD: '1', ALERT_EMAIL: 'ops@example.com', SMTP_URL: `smtp://127.0.0.1:${port}` } });
    try {
      await spend(t, 2);
      const [alert] = (await t.app.services.analytics.budget.status()).alerts;
      expect(alert).toMatchObject({ day: today(), delivered: false, budgetUsd: 1, costUsd: 2 });
      expect(alert!.error).toMatch(/^not sent: .*ECONNREFUSED/);
    } finally {
      await t.stop();
    }
  });

  it('is off without DAILY_BUDGET_USD', async () => {
    const t = await startTestApp({ backend: 'embedded' });
    try {
      await spend(t, 1000);
      const status = await t.app.services.analytics.budget.status();
      expect(status).toMatchObject({ dailyBudgetUsd: null, todayCostUsd: 1000, alerts: [] });
    } finally {
      await t.stop();
    }
  });
});

describe('daily budget alerts across instances (postgres)', () => {
  it('sends one e-mail when two instances cross the budget together', async () => {
    const sink = await startSmtpSink();
    const env = { DAILY_BUDGET_USD: '0.5', ALERT_EMAIL: 'ops@example.com', SMTP_URL: sink.url };
    const a = await startTestApp({ backend: 'postgres+redis', env });
    const b = await startTestApp({ backend: 'postgres+redis', env, share: { databaseUrl: a.config.databaseUrl } });
    try {
      await Promise.all([spend(a, 0.4, 0.4), spend(b, 0.4, 0.4)]);
      await Promise.all([spend(a, 0.1), spend(b, 0.1)]);
      await expect.poll(() => sink.messages.length, { interval: 20, timeout: 10_000 }).toBe(1);
      expect(await a.app.services.db.prisma.budgetAlert.count()).toBe(1);
    } finally {
      await b.stop();
      await a.stop();
      await sink.close();
    }
  });
});
