// The gateway started as `npm start` starts it (its package.json start script, on the compiled
// dist/): a first start says what it is doing, a later one does not create anything again, and the
// failures someone starting it can fix (port taken, database unreachable, data folder not
// writable) each print one line naming the cause and the fix, exit non-zero, without a stack.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'startup-test-secret-startup-test-secret-0123';

/** What `npm start` runs: its start script's environment assignments, `exec`, then `node ...`. */
function startCommand(): { env: Record<string, string>; args: string[] } {
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  if (words[0] === 'exec') words.shift();
  expect(words[0]).toBe('node');
  return { env, args: words.slice(1) };
}

function gatewayEnv(env: Record<string, string>): Record<string, string> {
  return { ...startCommand().env, PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'production', HOST: '127.0.0.1', JWT_SECRET: SECRET, ADMIN_PASSWORD: 'startup-test-password', LOG_LEVEL: 'warn', ...env };
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the start command to its exit (it is expected to fail). */
function runToExit(env: Record<string, string>, options: { uid?: number; gid?: number } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, startCommand().args, { cwd: ROOT, env: gatewayEnv(env), stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running gateway's log lines as they come, until `until` matches one of them. */
function linesUntil(child: ChildProcess, until: RegExp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let partial = '';
    const onData = (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (until.test(line)) {
          child.stderr!.off('data', onData);
          resolve(lines);
        }
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before logging ${until}:\n${lines.join('\n')}\n${partial}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function expectOneLine(exit: Exit, pattern: RegExp): void {
  expect(exit.code).toBe(1);
  expect(exit.stdout).toBe('');
  expect(exit.stderr.trim()).toMatch(pattern);
  expect(exit.stderr.trim().split('\n')).toHaveLength(1);
  expect(exit.stderr).not.toMatch(/^\s+at /m);
}

describe('npm start', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'aigw-startup-test-'));

  beforeAll(() => {
    // npm start builds dist/ first (prestart); so does this test, for the sources it runs against.
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('logs what a first start does, answers, stops on SIGTERM, and creates nothing on the next start', async () => {
    const dataDir = path.join(scratch, 'data');
    const boot = async () => {
      const port = await freePort();
      const child = spawn(process.execPath, startCommand().args, { cwd: ROOT, env: gatewayEnv({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' }), stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const lines = await linesUntil(child, /"msg":"gateway listening"/);
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect(health.status).toBe(200);
        return lines.map((l) => JSON.parse(l) as { msg: string; migration?: string; step?: string });
      } finally {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    };

    const first = await boot();
    const messages = first.map((l) => l.msg);
    expect(messages[0]).toMatch(/^creating the embedded database .*\(first start only/);
    const migrations = first.filter((l) => l.msg === 'applying database migration');
    const folders = readdirSync(path.join(ROOT, 'prisma', 'migrations'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(migrations.map((m) => m.migration)).toEqual(folders.map((d) => d.name).sort());
    expect(migrations.map((m) => m.step)).toEqual(migrations.map((_, i) => `${i + 1} of ${migrations.length}`));
    expect(messages.indexOf('applied database migrations')).toBeGreaterThan(messages.lastIndexOf('applying database migration'));

    const second = (await boot()).map((l) => l.msg);
    expect(second).toEqual(['gateway listening']);
  }, 180_000);

  it('port in use: one line, exit 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const exit = await runToExit({ PORT: String(port), DATA_DIR: path.join(scratch, 'port-data') });
      expectOneLine(exit, new RegExp(`^Port ${port} is already in use \\(127\\.0\\.0\\.1:${port}\\): .*set PORT to a free port$`));
    } finally {
      taken.close();
    }
  }, 120_000);

  it('unreachable DATABASE_URL: one line without the password, exit 1', async () => {
    const closedPort = await freePort();
    const exit = await runToExit({ PORT: String(await freePort()), DATABASE_URL: `postgresql://gateway:hunter2-secret@127.0.0.1:${closedPort}/gateway` });
    expectOneLine(exit, new RegExp(`^Cannot connect to the database at postgresql://gateway@127\\.0\\.0\\.1:${closedPort}/gateway \\(connection refused\\): check DATABASE_URL.*unset DATABASE_URL to use the embedded database$`));
    expect(exit.stderr).not.toContain('hunter2-secret');
  }, 60_000);

  it('DATA_DIR where a file is in the way: one line, exit 1', async () => {
    const file = path.join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    const exit = await runToExit({ PORT: String(await freePort()), DATA_DIR: path.join(file, 'data') });
    expectOneLine(exit, new RegExp(`^Cannot write the data folder ${path.join(file, 'data')} \\(a file is in the way of a folder\\): set DATA_DIR to a folder this user can write`));
  }, 60_000);

  // root may write anywhere: the gateway then runs as nobody, as a service account would.
  const asRoot = process.getuid?.() === 0;
  it.skipIf(!process.getuid)('DATA_DIR without write permission: one line, exit 1', async () => {
    const dir = path.join(scratch, 'read-only');
    mkdirSync(dir);
    chmodSync(scratch, 0o755);
    chmodSync(dir, 0o555);
    const exit = await runToExit({ PORT: String(await freePort()), DATA_DIR: dir }, asRoot ? { uid: 65534, gid: 65534 } : {});
    expectOneLine(exit, new RegExp(`^Cannot write the data folder ${dir} \\(permission denied\\): set DATA_DIR to a folder this user can write, or change its permissions$`));
  }, 60_000);
});
