// Starts a real gateway for a test: real PostgreSQL + Redis, or the embedded
// defaults (PGlite in memory + memory kv), on a random loopback port.
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildApp, type App } from '../../src/server.js';
import { TEST_REDIS_URL, type Backend } from './env.js';
import { createTestDatabase } from './pg.js';
import { deleteRedisPrefix } from './redis.js';

export interface TestApp {
  app: App;
  config: Config;
  url: string;
  backend: Backend;
  /** Logs in as the bootstrap admin and returns a bearer token. */
  adminToken(): Promise<string>;
  /** fetch against the app with JSON in and out. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  gql(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: any }>;
  /** Stops the app; keeps the database and Redis keys (for restart tests) unless cleanup is true. */
  stop(options?: { cleanup?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  backend: Backend;
  env?: Record<string, string>;
  /** Share storage with another test app (multi-instance and restart tests). */
  share?: { databaseUrl?: string; redisPrefix?: string };
}

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  let dropDatabase: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    JWT_SECRET: 'test-secret-test-secret-test-secret-123',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-password-for-tests',
    SHUTDOWN_TIMEOUT_MS: '2000',
  };
  let redisPrefix = options.share?.redisPrefix;
  if (options.backend === 'postgres+redis') {
    let databaseUrl = options.share?.databaseUrl;
    if (!databaseUrl) {
      const db = await createTestDatabase();
      databaseUrl = db.url;
      dropDatabase = db.drop;
    }
    redisPrefix ??= `t${randomBytes(5).toString('hex')}:`;
    Object.assign(env, { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix, REDIS_COMMAND_TIMEOUT_MS: '200' });
  } else {
    env.DATA_DIR = 'memory://';
  }
  Object.assign(env, options.env);
  const config = loadConfig(env);
  const app = await buildApp(config, createLogger(config.logLevel));
  const port = await app.start(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;

  const request: TestApp['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };

  let token: string | undefined;
  return {
    app,
    config,
    url,
    backend: options.backend,
    async adminToken() {
      if (token) return token;
      const r = await request('POST', '/api/auth/login', { body: { username: 'admin', password: env.ADMIN_PASSWORD } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
      token = r.body.access_token as string;
      return token;
    },
    request,
    async gql(query, variables, tk) {
      const r = await request('POST', '/graphql', { token: tk, body: { query, variables } });
      return { status: r.status, body: r.body };
    },
    async stop({ cleanup = true } = {}) {
      await app.stop();
      if (!cleanup) return;
      await dropDatabase?.();
      if (redisPrefix && !options.share?.redisPrefix) await deleteRedisPrefix(redisPrefix);
    },
  };
}

