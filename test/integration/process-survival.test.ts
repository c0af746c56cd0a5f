// The process survives hostile input, end to end: the gateway as `npm start` runs it (a
// child process, process guards installed) gets the inputs that used to end it,
// answers each with 400, still answers /health, and not one error reached its
// last-resort handlers. And the guards themselves, in a real process, keep it alive
// through an unhandled rejection and an uncaught exception.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_ADMIN_PASSWORD, START_TIMEOUT_MS, startChildGateway, type ChildGateway } from '../helpers/child-gateway.js';
import { BACKENDS } from '../helpers/env.js';

const guardsModule = fileURLToPath(new URL('../../src/process-guards.ts', import.meta.url));
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('process guards in a real process', () => {
  // A real Node process: with the guards, a rejected promise nobody awaits and an exception
  // thrown from a timer are logged and counted and the process goes on to exit 0 by itself;
  // without them, the same process dies with exit code 1.
  const script = (guarded: boolean) => `
    const { installProcessGuards } = await import(${JSON.stringify(guardsModule)});
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const logger = { debug() {}, info() {}, warn() {}, error(msg, f) { process.stderr.write(JSON.stringify({ msg, ...f }) + '\\n'); } };
    if (${guarded}) installProcessGuards({ logger, registry });
    Promise.reject(new Error('rejected with Bearer ${JWT}'));
    setTimeout(() => { throw new Error('thrown from a timer'); }, 0);
    // Timers of equal delay run in order: this one runs after the throw above.
    setTimeout(async () => {
      const lines = (await registry.metrics()).split('\\n').filter((l) => l.startsWith('aigw_unexpected_errors_total{'));
      process.stdout.write(JSON.stringify(lines));
    }, 0);`;

  async function run(guarded: boolean) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(guarded)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  it('keeps a real process alive through an unhandled rejection and an uncaught exception', async () => {
    const guarded = await run(true);
    expect(guarded.code, guarded.stderr).toBe(0);
    expect(JSON.parse(guarded.stdout)).toEqual(['aigw_unexpected_errors_total{kind="unhandled_rejection"} 1', 'aigw_unexpected_errors_total{kind="uncaught_exception"} 1']);
    expect(guarded.stderr).toContain('unhandled promise rejection (ignored)');
    expect(guarded.stderr).toContain('thrown from a timer');
    expect(guarded.stderr).not.toContain(JWT);

    const unguarded = await run(false);
    expect(unguarded.code).toBe(1);
    expect(unguarded.stdout).toBe('');
  });
});

describe.each(BACKENDS)('the gateway process on %s', (backend) => {
  let g: ChildGateway;
  let token: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(g.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };

  beforeAll(async () => {
    g = await startChildGateway(backend);
    const login = await fetch(`${g.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: CHILD_ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { access_token: string }).access_token;
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    if (g) expect(await g.stop()).toBe(0); // and it still shuts down cleanly
  });

  it("answers the issue's inputs with 400 and lives on, with nothing left unhandled", async () => {
    for (const query of ['days=0', 'days=366', 'provider=', 'user_id=not-a-uuid']) {
      for (const path of ['performance', 'dashboard', 'summary', 'trends']) {
        const r = await call('GET', `/api/ai/analytics/${path}?${query}`);
        expect([r.status, r.body.error?.code], `${path}?${query}`).toEqual([400, 'VALIDATION_ERROR']);
      }
    }
    for (const args of ['days: 0', 'days: 366', 'provider: ""', 'userId: "not-a-uuid"']) {
      for (const field of ['analyticsPerformance', 'analyticsDashboard']) {
        const r = await call('POST', '/graphql', { query: `{ ${field}(${args}) { timestamp: __typename } }` });
        expect([r.status, r.body.errors?.[0]?.extensions?.code], `${field}(${args})`).toEqual([400, 'VALIDATION_ERROR']);
      }
    }
    expect((await call('DELETE', '/api/auth/api-keys/not-a-uuid')).status).toBe(400);
    expect((await call('POST', '/api/auth/login', { username: 'ad\u0000min', password: 'x' })).status).toBe(400);

    expect((await call('GET', '/health')).status).toBe(200);
    expect(g.alive(), g.log()).toBe(true);
    const metrics = (await call('GET', '/metrics')).body as string;
    expect(metrics).toContain('aigw_unexpected_errors_total{kind="unhandled_rejection"} 0');
    expect(metrics).toContain('aigw_unexpected_errors_total{kind="uncaught_exception"} 0');
    expect(g.log()).not.toContain('"level":"error"');
  });
});
