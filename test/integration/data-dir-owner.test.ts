// One data folder, one owner, with real `npm start` processes (node + tsx on src/main.ts) on
// a temporary DATA_DIR: a second gateway refuses with one line naming the folder and the
// owner's pid; a lock left by a killed gateway is taken over; a clean shutdown removes it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'aigw-owner-'));
const lockFile = join(dataDir, 'gateway.lock');
const running = new Set<ChildProcess>();

interface Gateway {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the port once the gateway says it listens. */
  listening: Promise<number>;
}

function startGateway(): Gateway {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD: 'owner-test-password',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  const listening = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"msg":"gateway listening","url":"http:\/\/localhost:(\d+)"/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`gateway exited ${code}: ${err}`)));
  });
  listening.catch(() => {});
  return { child, stderr: () => err, exited, listening };
}

describe('one gateway per DATA_DIR', () => {
  afterAll(() => {
    for (const c of running) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second gateway on the same folder with one line naming it and the owner, and exits non-zero', async () => {
    const first = startGateway();
    const port = await first.listening;
    expect(readFileSync(lockFile, 'utf8').split('\n')[0]).toBe(String(first.child.pid));

    const second = startGateway();
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toBe(
      `DATA_DIR ${dataDir} is in use by another gateway (pid ${first.child.pid}); one instance per folder, several instances need PostgreSQL (DATABASE_URL)\n`,
    );
    // The first one is unaffected.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    // Killed without a chance to clean up: its lock stays behind, naming a pid that is gone.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(readFileSync(lockFile, 'utf8').split('\n')[0]).toBe(String(first.child.pid));

    const third = startGateway();
    const thirdPort = await third.listening;
    expect(readFileSync(lockFile, 'utf8').split('\n')[0]).toBe(String(third.child.pid));
    const login = await fetch(`http://127.0.0.1:${thirdPort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'owner-test-password' }),
    });
    expect(login.status).toBe(200);

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  }, 300_000); // three gateway processes, the first creating a persisted embedded database
});
