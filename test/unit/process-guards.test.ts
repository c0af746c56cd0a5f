// The process guards: an unhandled rejection or an uncaught exception is logged
// without secrets, counted in /metrics' registry, and never ends the process.
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { describeUnexpected, installProcessGuards, scrubSecrets } from '../../src/process-guards.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const SECRETS = [JWT, 'aigw_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'sk-test-SECRET-key-42', 'hunter2hunter2', 'AIzaSyA-1234567890abcdefghijklmno'];

describe('process guards', () => {
  it('scrubs anything shaped like a credential', () => {
    const text = `Bearer ${JWT} x-api-key aigw_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 sk-test-SECRET-key-42 ` +
      'redis://user:hunter2hunter2@host:6379 https://h/v1?key=AIzaSyA-1234567890abcdefghijklmno&password=hunter2hunter2';
    const scrubbed = scrubSecrets(text);
    for (const s of SECRETS) expect(scrubbed).not.toContain(s);
    expect(scrubbed).toContain('redis://[redacted]@host:6379');
    expect(describeUnexpected('plain reason')).toEqual({ value: 'plain reason' });
    expect(describeUnexpected({ token: JWT })).toEqual({ value: '{"token":"[redacted-jwt]"}' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeUnexpected(circular)).toEqual({ value: '[object Object]' });
  });

  it('logs and counts each kind, keeps listening, and uninstalls cleanly', async () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const registry = new Registry();
    const guards = installProcessGuards({ logger: createLogger('debug', (l) => lines.push(l)), registry, target });
    const metric = async () => (await registry.metrics()).split('\n').filter((l) => l.startsWith('aigw_unexpected_errors_total{'));
    expect(await metric()).toEqual(['aigw_unexpected_errors_total{kind="unhandled_rejection"} 0', 'aigw_unexpected_errors_total{kind="uncaught_exception"} 0']);

    target.emit('unhandledRejection', new Error(`upstream said Bearer ${JWT}`), Promise.resolve());
    target.emit('unhandledRejection', 'a string reason', Promise.resolve());
    target.emit('uncaughtException', new TypeError('sk-test-SECRET-key-42 is not a function'), 'uncaughtException');
    expect(guards.counts()).toEqual({ unhandled_rejection: 2, uncaught_exception: 1 });
    expect(await metric()).toEqual(['aigw_unexpected_errors_total{kind="unhandled_rejection"} 2', 'aigw_unexpected_errors_total{kind="uncaught_exception"} 1']);

    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; kind: string; error: Record<string, unknown> });
    expect(logged.map((l) => [l.level, l.kind])).toEqual([['error', 'unhandled_rejection'], ['error', 'unhandled_rejection'], ['error', 'uncaught_exception']]);
    expect(logged[0]!.error).toMatchObject({ name: 'Error', message: 'upstream said Bearer [redacted]' });
    expect(logged[2]!.error).toMatchObject({ name: 'TypeError', message: '[redacted-key] is not a function' });
    for (const s of SECRETS) expect(lines.join('\n')).not.toContain(s);

    guards.uninstall();
    expect(target.listenerCount('unhandledRejection') + target.listenerCount('uncaughtException')).toBe(0);
    expect(await metric()).toEqual([]);
  });
});
