// Budget alerts per key and per team: the highest threshold reached (80% or 100%) of each
// budget, once, by e-mail (the key's or team's alert_email, else ALERT_EMAIL) through the SMTP
// sink and to the alert webhook (a local receiver: loopback is allowed here by
// ALERT_WEBHOOK_ALLOW_PRIVATE=true, refused by default).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NANO } from '../../src/governance/governance.js';
import { isPrivateAddress, webhookUrl } from '../../src/governance/policy.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const MODEL = 'gpt-4o-mini';

describe('key and team budget alerts', () => {
  let mock: MockUpstream;
  let sink: SmtpSink;
  let hooks: http.Server;
  const received: unknown[] = [];
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    sink = await startSmtpSink();
    hooks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    t = await startTestApp({
      backend: 'postgres+redis',
      env: mockProviderEnv(mock, { ENABLE_CACHING: 'false', ALERT_EMAIL: 'ops@example.com', SMTP_URL: sink.url, ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' }),
    });
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.close();
    await new Promise((r) => hooks?.close(r));
    await mock?.close();
  });

  const ask = (key: string, n: number) =>
    t.request('POST', '/api/ai/openai', { headers: { 'x-api-key': key }, body: { prompt: `budget call ${n}`, model: MODEL, max_tokens: 5 } });

  it('sends the 100% alert of a key and the 80% alert of its team once each, by e-mail and webhook', async () => {
    const probe = await t.request('POST', '/api/ai/openai', { token: admin, body: { prompt: 'budget call 100', model: MODEL, max_tokens: 5 } });
    // The cost as the counters hold it (nano-dollars), so two calls are exactly the key's budget.
    const call = Math.round(probe.body.estimated_cost * NANO) / NANO;
    const webhook = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/budget`;
    const team = (await t.request('POST', '/api/admin/teams', { token: admin, body: { name: 'alerted', max_budget_usd_per_month: call * 2.4, alert_webhook_url: webhook } })).body;
    expect(team.alert_webhook_url).toBe(webhook);
    const key = (await t.request('POST', '/api/auth/api-keys', {
      token: admin, body: { name: 'svc', team_id: team.id, max_budget_usd_per_day: call * 2, alert_email: 'owner@example.com' },
    })).body;

    expect((await ask(key.api_key, 101)).status).toBe(200); // key 50%, team 42%: no alert
    await t.app.services.governanceAlerts.idle();
    expect(sink.messages).toHaveLength(0);
    expect((await ask(key.api_key, 102)).status).toBe(200); // key 100%, team 83%
    await t.app.services.governanceAlerts.idle();
    expect(sink.messages.map((m) => m.to).sort()).toEqual([['ops@example.com'], ['owner@example.com']]);
    const keyMail = sink.messages.find((m) => m.to[0] === 'owner@example.com')!;
    expect(keyMail.data).toMatch(/API key budget 100% used \(day:\d{4}-\d\d-\d\d\)/);
    expect(sink.messages.find((m) => m.to[0] === 'ops@example.com')!.data).toMatch(/Team budget 80% used \(month:\d{4}-\d\d\)/);
    expect(received).toEqual([expect.objectContaining({ type: 'budget_alert', scope: 'team', id: team.id, threshold_percent: 80, budget_usd: call * 2.4 })]);

    const refused = await ask(key.api_key, 103);
    expect(refused.body.error.code).toBe('BUDGET_EXCEEDED');
    await t.app.services.governanceAlerts.idle();
    const rows = await t.app.services.db.prisma.governanceAlert.findMany({ orderBy: { threshold: 'asc' } });
    expect(rows.map((r) => [r.scope, r.threshold, r.delivered, r.error])).toEqual([['team', 80, true, null], ['key', 100, true, null]]);
    expect(sink.messages).toHaveLength(2);
  });

  it('refuses webhook URLs to loopback, private and link-local addresses unless allowed', () => {
    for (const url of ['http://127.0.0.1/x', 'http://localhost:8080/', 'http://10.0.0.5/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[fd00::1]/', 'http://192.168.1.1/']) {
      expect(() => webhookUrl(url)).toThrow(/loopback, private or link-local/);
      expect(webhookUrl(url, true)).toBe(new URL(url).toString());
    }
    expect(() => webhookUrl('https://user:pw@hooks.example.com/')).toThrow(/credentials/);
    expect(() => webhookUrl('file:///etc/passwd')).toThrow(/http\(s\)/);
    expect(webhookUrl('https://hooks.example.com/budget')).toBe('https://hooks.example.com/budget');
    expect([isPrivateAddress('::ffff:127.0.0.1'), isPrivateAddress('8.8.8.8'), isPrivateAddress('172.20.1.1')]).toEqual([true, false, true]);
  });
});
