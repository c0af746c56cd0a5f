// Issue 19 applied to what came after the hardening pass: the local provider's simulated
// tool calls and JSON answers (a caller's schema decides their size), the drop-in /v1
// routes (what the Responses API echoes, path parameters in each API's own error shape)
// and the budget-alert webhooks (every IPv6 form of an internal address, names checked on
// the address connected to). Each case failed before its fix: a multi-megabyte answer or
// a heap exhausted, a 500 after the call was made and paid for, the gateway's own error
// shape on an OpenAI route, a webhook POSTed to loopback.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicOnlyLookup } from '../../src/governance/alerts.js';
import { isPrivateAddress, NO_LIMITS, webhookUrl } from '../../src/governance/policy.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';

/** An object schema whose one property is arrays of arrays (`levels` deep) of at least 16 items each. */
function nestedArrays(levels: number) {
  let s: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) s = { type: 'array', items: s, minItems: 16 };
  return { type: 'object', properties: { a: s }, required: ['a'] };
}
const longString = (minLength: number) => ({ type: 'object', properties: { a: { type: 'string', minLength } }, required: ['a'] });
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe.each(BACKENDS)('hostile input on the newer surfaces on %s', (backend) => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = await t.adminToken();
  });
  afterAll(() => t?.stop());

  describe('local provider: values built from a caller\'s JSON schema', () => {
    it('refuses a tool schema whose simulated arguments would be huge, on REST, GraphQL and /v1, streamed or not', async () => {
      // 16^6 strings (16.7 million values) before; minLength 1e9 a gigabyte string.
      for (const parameters of [nestedArrays(6), longString(1e9)]) {
        const rest = await t.request('POST', '/api/ai/local', { token: admin, body: { prompt: 'call it', tools: [{ name: 'f', parameters }] } });
        expect([rest.status, rest.body.error?.code], JSON.stringify(rest.body)).toEqual([400, 'UNSUPPORTED_FEATURE']);
        expect(rest.body.error.message).toBe('local does not support a schema whose simulated value exceeds 2000 values or 65536 characters (minItems, minLength)');

        const stream = await t.request('POST', '/v1/chat/completions', {
          token: admin,
          body: { model: 'local/local-sim', stream: true, messages: [{ role: 'user', content: 'call it' }], tools: [{ type: 'function', function: { name: 'f', parameters } }] },
        });
        expect([stream.status, stream.body.error?.type], JSON.stringify(stream.body)).toEqual([400, 'invalid_request_error']);

        const gql = await t.gql('mutation($i: CompletionInput!) { completion(input: $i) { response } }', { i: { provider: 'local', prompt: 'call it', tools: [{ name: 'f', parameters }] } }, admin);
        expect(gql.body.errors?.[0]?.extensions?.code, JSON.stringify(gql.body)).toBe('UNSUPPORTED_FEATURE');
      }
    });

    it('refuses a json_schema answer that would be huge, and still answers one of a sane size', async () => {
      const format = (schema: unknown) => ({ type: 'json_schema', json_schema: { name: 'out', schema } });
      const huge = await t.request('POST', '/v1/chat/completions', { token: admin, body: { model: 'local/local-sim', messages: [{ role: 'user', content: 'x' }], response_format: format(longString(5e6)) } });
      expect([huge.status, huge.body.error?.type, huge.body.error?.message]).toEqual([400, 'invalid_request_error', 'local does not support a schema whose simulated value exceeds 2000 values or 65536 characters (minItems, minLength)']);
      const sane = await t.request('POST', '/v1/chat/completions', { token: admin, body: { model: 'local/local-sim', messages: [{ role: 'user', content: 'x' }], response_format: format({ ...nestedArrays(2), required: ['a'] }) } });
      expect(sane.status).toBe(200);
      expect(JSON.parse(sane.body.choices[0].message.content)).toEqual({ a: Array.from({ length: 16 }, () => Array.from({ length: 16 }, () => 'example a')) });
    });
  });

  describe('/v1/responses echoes only what it checked', () => {
    const ask = (body: string | Record<string, unknown>) => t.request('POST', '/v1/responses', { token: admin, body });
    const refused = (r: { status: number; body: any }, param: string) =>
      expect([r.status, r.body.error?.type, r.body.error?.param], JSON.stringify(r.body).slice(0, 300)).toEqual([400, 'invalid_request_error', param]);

    it('refuses hostile nesting in metadata, tools, tool_choice and text with a 400 before any call (a 500 after the call before)', async () => {
      const d = deep(200_000);
      for (const stream of [false, true]) {
        refused(await ask(`{"model":"local/local-sim","input":"x","stream":${stream},"metadata":{"a":${d}}}`), 'metadata.a');
        refused(await ask(`{"model":"local/local-sim","input":"x","stream":${stream},"tools":[{"type":"function","name":"f","junk":${d}}]}`), 'tools.0.junk');
        refused(await ask(`{"model":"local/local-sim","input":"x","stream":${stream},"tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"f","x":${d}}}`), 'tool_choice.x');
        refused(await ask(`{"model":"local/local-sim","input":"x","stream":${stream},"text":{"format":{"type":"text"},"x":${d}}}`), 'text.x');
      }
      const calls = await t.app.services.db.prisma.apiCall.count({ where: { source: 'openai-responses' } });
      expect(calls).toBe(0);
    });

    it('refuses wrong types it used to ignore and echo, and keeps OpenAI\'s metadata rules', async () => {
      refused(await ask({ model: 'local/local-sim', input: 'x', instructions: { a: 1 } }), 'instructions');
      refused(await ask({ model: 'local/local-sim', input: 'x', reasoning: 'x' }), 'reasoning');
      refused(await ask({ model: 'local/local-sim', input: 'x', reasoning: { effort: 5 } }), 'reasoning.effort');
      refused(await ask({ model: 'local/local-sim', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), 'metadata');
      refused(await ask({ model: 'local/local-sim', input: 'x', metadata: { k: 'v'.repeat(513) } }), 'metadata.k');
      const ok = await ask({ model: 'local/local-sim', input: 'x', instructions: 'Be brief.', metadata: { run: 'nightly' }, reasoning: { effort: null } });
      expect([ok.status, ok.body.instructions, ok.body.metadata]).toEqual([200, 'Be brief.', { run: 'nightly' }]);
    });
  });

  it('answers bad /v1/models path parameters in OpenAI\'s error shape', async () => {
    const control = await t.request('GET', '/v1/models/a%00b', { token: admin });
    expect([control.status, control.body]).toEqual([400, { error: { message: 'id must not contain control characters', type: 'invalid_request_error', param: 'id', code: 'validation_error' } }]);
    const encoding = await t.request('GET', '/v1/models/%E0%A4%A', { token: admin });
    expect([encoding.status, encoding.body.error?.type, encoding.body.status]).toEqual([400, 'invalid_request_error', undefined]);
  });

  describe('budget-alert webhooks', () => {
    /** IPv6 and dotted forms that reach loopback, link-local (cloud metadata) or site-local hosts. */
    const INTERNAL = [
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/latest/meta-data', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::]/', 'http://[fec0::1]/', 'http://[ff02::1]/', 'http://localhost./', 'http://metadata.google.internal./',
    ];

    it('refuses every form of an internal address when a key or team is given one', async () => {
      const key = await t.request('POST', '/api/auth/api-keys', { token: admin, body: { name: 'hooked' } });
      for (const url of INTERNAL) {
        const r = await t.request('PATCH', `/api/admin/api-keys/${key.body.id}`, { token: admin, body: { alert_webhook_url: url } });
        expect([r.status, r.body.error?.code, r.body.error?.message], url).toEqual([400, 'VALIDATION_ERROR', 'alert_webhook_url: must not point to a loopback, private or link-local address']);
        const team = await t.request('POST', '/api/admin/teams', { token: admin, body: { name: `t-${randomUUID()}`, alert_webhook_url: url } });
        expect(team.status, url).toBe(400);
      }
      expect(webhookUrl('https://[2606:4700::1111]/hook')).toBe('https://[2606:4700::1111]/hook');
      expect(['::ffff:8.8.8.8', '2001:4860:4860::8888', '64:ff9b::808:808'].map(isPrivateAddress)).toEqual([false, false, false]);
    });

    it('does not POST to an internal address stored before the rule, and checks names on the address it connects to', async () => {
      const received: string[] = [];
      const hooks = http.createServer((req, res) => {
        received.push(req.url ?? '');
        res.writeHead(204).end();
      });
      await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
      try {
        const port = (hooks.address() as AddressInfo).port;
        const scopeId = randomUUID();
        const limits = { ...NO_LIMITS, maxBudgetUsdTotal: 1, alertEmail: null, alertWebhookUrl: `http://[::ffff:7f00:1]:${port}/mapped` };
        t.app.services.governanceAlerts.check('key', scopeId, limits, { day: 0, month: 0, total: 1 });
        await t.app.services.governanceAlerts.idle();
        const row = await t.app.services.db.prisma.governanceAlert.findFirstOrThrow({ where: { scopeId } });
        expect([row.delivered, row.error]).toEqual([false, 'webhook: refused: the URL names a loopback, private or link-local address']);
        expect(received).toEqual([]);
        // A name the URL check lets through (this machine's own name resolves to one of its
        // addresses, private in any test environment) is refused on the address connected to.
        const host = hostname();
        expect((await lookup(host, { all: true })).every((a) => isPrivateAddress(a.address)), `${host} resolves to a private address`).toBe(true);
        const named = randomUUID();
        t.app.services.governanceAlerts.check('key', named, { ...limits, alertWebhookUrl: webhookUrl(`http://${host}:${port}/named`) }, { day: 0, month: 0, total: 1 });
        await t.app.services.governanceAlerts.idle();
        const namedRow = await t.app.services.db.prisma.governanceAlert.findFirstOrThrow({ where: { scopeId: named } });
        expect([namedRow.delivered, namedRow.error]).toEqual([false, `webhook: refused: ${host} resolves to a loopback, private or link-local address`]);
        expect(received).toEqual([]);
      } finally {
        await new Promise((r) => hooks.close(r));
      }
      // The lookup the webhook's connection uses refuses a name that resolves to loopback.
      const looked = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', {}, (err) => resolve(err)));
      expect([looked?.code, looked?.message]).toEqual(['EPRIVATE', 'refused: localhost resolves to a loopback, private or link-local address']);
    });
  });

  it('leaves the server answering', async () => {
    expect((await t.request('GET', '/health')).status).toBe(200);
  });
});
