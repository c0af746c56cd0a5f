// The gateway as `npm start` runs it (src/main.ts, process guards included), in a
// child process of its own, on either backend: for tests about the process itself
// (that it stays alive, that nothing escapes to its last-resort handlers).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL, type Backend } from './env.js';
import { createTestDatabase } from './pg.js';
import { deleteRedisPrefix } from './redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const CHILD_ADMIN_PASSWORD = 'admin-password-for-tests';
/** For the hook that starts one: a fresh process compiles the sources and, embedded, initialises PGlite. */
export const START_TIMEOUT_MS = 180_000;

export interface ChildGateway {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its log). */
  log(): string;
  /** Still running (never exited). */
  alive(): boolean;
  /** SIGTERM, then waits for the exit; returns the exit code. Cleans the test's database and keys. */
  stop(): Promise<number | null>;
}

export async function startChildGateway(backend: Backend, extraEnv: Record<string, string> = {}): Promise<ChildGateway> {
  let cleanup = async () => {};
  // Only what the gateway needs: nothing from the developer's environment leaks in.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: 'test-secret-test-secret-test-secret-123',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: CHILD_ADMIN_PASSWORD,
    SHUTDOWN_TIMEOUT_MS: '2000',
  };
  if (backend === 'postgres+redis') {
    const db = await createTestDatabase();
    const prefix = `t${randomBytes(5).toString('hex')}:`;
    Object.assign(env, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    cleanup = async () => {
      await db.drop();
      await deleteRedisPrefix(prefix);
    };
  } else {
    env.DATA_DIR = 'memory://';
  }
  Object.assign(env, extraEnv);

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d;
      for (const line of log.split('\n')) {
        if (!line.includes('"gateway listening"')) continue;
        const port = new URL((JSON.parse(line) as { url: string }).url).port;
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (more: Buffer) => (log += more));
        resolve(`http://127.0.0.1:${port}`);
        return;
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before listening:\n${log}`)));
  }).catch(async (e) => {
    await cleanup();
    throw e;
  });

  return {
    url,
    child,
    log: () => log,
    alive: () => !exited && child.exitCode === null && child.signalCode === null,
    async stop() {
      if (!exited) {
        const done = once(child, 'exit');
        child.kill('SIGTERM');
        await done;
      }
      await cleanup();
      return child.exitCode;
    },
  };
}
