// The processes the benchmarks talk to: the mock upstream, the gateway, Portkey.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GATEWAY_ROOT, LOAD_CPU, ROOT, SERVER_CPU, baseEnv, freePort, spawnNode, waitForHttp, type Managed } from './proc.js';

export const MODEL = 'gpt-4o-mini';
export const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
export const ADMIN_PASSWORD = 'bench-admin-password';
export const UPSTREAM_KEY = 'sk-bench-not-a-real-key';

export interface Mock {
  proc: Managed;
  url: string;
  /** OpenAI base URL, with /v1. */
  openai: string;
  stop(): Promise<void>;
}

export interface MockOptions {
  latencyMs?: number;
  chunkDelayMs?: number;
  chunks?: number;
  cpu?: string;
}

/** The wire-level mock (test/mock-upstream/main.ts, through bench/lib/mock-main.ts), by default on the load core. */
export async function startMock(o: MockOptions = {}): Promise<Mock> {
  const port = await freePort();
  const args = ['--import', 'tsx', path.join(ROOT, 'bench', 'lib', 'mock-main.ts'), '--port', String(port)];
  if (o.latencyMs !== undefined) args.push('--latency-ms', String(o.latencyMs));
  if (o.chunkDelayMs !== undefined) args.push('--chunk-delay-ms', String(o.chunkDelayMs));
  if (o.chunks !== undefined) args.push('--chunks', String(o.chunks));
  const proc = spawnNode({ name: 'mock-upstream', args, env: { ...baseEnv(), NODE_ENV: 'production' }, cpu: o.cpu ?? LOAD_CPU });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/openai/v1/models`, proc);
  return { proc, url, openai: `${url}/openai/v1`, stop: () => proc.stop() };
}

export interface Gateway {
  proc: Managed;
  url: string;
  port: number;
  /** performance.now() when /health first answered. */
  healthyAt: number;
  token(): Promise<string>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  name?: string;
  /** Gateway variables on top of the bench defaults (PORT, HOST, LOG_LEVEL, secrets, DATA_DIR). */
  env?: Record<string, string | undefined>;
  /** Embedded database folder; default a fresh temp dir removed at stop. */
  dataDir?: string;
  cpu?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  healthTimeoutMs?: number;
  /** Checkout to run (default BENCH_GATEWAY_ROOT or this one): A/B runs of two commits. */
  root?: string;
}

/**
 * The command `npm start` runs in a checkout (its package.json's start script: environment
 * assignments, `exec`, then `node ...`): the benchmarks run the gateway exactly as it is started, and an
 * A/B of two checkouts runs each with its own. Anything else (an older `tsx src/main.ts`) runs as
 * `node --import tsx src/main.ts`.
 */
export function startCommand(root = GATEWAY_ROOT): { env: Record<string, string>; args: string[] } {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  if (words[0] === 'exec') words.shift();
  return words[0] === 'node' ? { env, args: words.slice(1) } : { env: {}, args: ['--import', 'tsx', 'src/main.ts'] };
}

/** The node arguments of startCommand. */
export function startArgs(root = GATEWAY_ROOT): string[] {
  return startCommand(root).args;
}

const built = new Set<string>();

/**
 * What `npm start` does before it starts the gateway: its prestart script (the build of dist/
 * when src/ changed), once per checkout. A checkout without one runs its sources as they are.
 */
export function prepareStart(root = GATEWAY_ROOT): void {
  if (built.has(root)) return;
  const prestart = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: { prestart?: string } }).scripts?.prestart;
  if (prestart) execFileSync('npm', ['run', '--silent', 'prestart'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  built.add(root);
}

/** The gateway as `npm start` runs it (prepareStart, then startArgs), pinned to the server core. */
export async function startGateway(o: GatewayOptions = {}): Promise<Gateway> {
  prepareStart(o.root);
  const port = await freePort();
  const ownDir = o.dataDir === undefined && !o.env?.DATABASE_URL ? mkdtempSync(path.join(os.tmpdir(), 'aigw-bench-')) : undefined;
  const command = startCommand(o.root);
  const env = {
    ...baseEnv(),
    ...command.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD,
    DATA_DIR: o.dataDir ?? ownDir,
    ...o.env,
    // BENCH_GATEWAY_ENV="NAME=value,NAME=value": overrides for every gateway (experiments).
    ...Object.fromEntries((process.env.BENCH_GATEWAY_ENV ?? '').split(',').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()])),
  };
  // BENCH_GATEWAY_NODE_FLAGS: extra node flags for every gateway (experiments, e.g. a --require preload).
  const extra = process.env.BENCH_GATEWAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawnNode({ name: o.name ?? 'gateway', args: [...extra, ...(o.nodeFlags ?? []), ...command.args], env, cpu: o.cpu ?? SERVER_CPU, cwd: o.root });
  const url = `http://127.0.0.1:${port}`;
  let healthyAt: number;
  try {
    healthyAt = await waitForHttp(`${url}/health`, proc, { timeoutMs: o.healthTimeoutMs ?? 90_000, intervalMs: 5, ok: (s) => s === 200 });
  } catch (e) {
    await proc.stop();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw e;
  }
  let token: string | undefined;
  return {
    proc,
    url,
    port,
    healthyAt,
    async token() {
      token ??= await login(url);
      return token;
    },
    async stop() {
      await proc.stop(15_000);
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

export async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

// --- Portkey, the peer ---------------------------------------------------------

export const PORTKEY_VERSION = '1.15.2';
/** Its own lock pins 1.13.5; 1.14 and later break its streaming ("TypeError: immutable"). */
export const HONO_NODE_SERVER_VERSION = '1.13.5';
const PEER_DIR = path.join(ROOT, 'bench', '.peer');
const PORTKEY_ENTRY = path.join(PEER_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

/** Every copy of @hono/node-server Portkey would load is the pinned one (npm nests a newer one otherwise). */
function peerPinned(): boolean {
  if (!existsSync(PORTKEY_ENTRY)) return false;
  const copies = [
    path.join(PEER_DIR, 'node_modules', '@hono', 'node-server', 'package.json'),
    path.join(PEER_DIR, 'node_modules', '@portkey-ai', 'gateway', 'node_modules', '@hono', 'node-server', 'package.json'),
  ].filter((f) => existsSync(f));
  return copies.length > 0 && copies.every((f) => (JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version === HONO_NODE_SERVER_VERSION);
}

/**
 * Installs Portkey into bench/.peer (gitignored, outside the project's dependencies)
 * unless it is there. An `overrides` entry is needed: with a plain
 * `npm install @hono/node-server@1.13.5`, npm still nests 1.19 under Portkey
 * (for @hono/node-ws) and Portkey's streaming fails with "TypeError: immutable".
 */
export function ensurePortkey(): string {
  if (!peerPinned()) {
    console.error(`installing @portkey-ai/gateway@${PORTKEY_VERSION} (with @hono/node-server ${HONO_NODE_SERVER_VERSION}) into bench/.peer ...`);
    rmSync(PEER_DIR, { recursive: true, force: true });
    mkdirSync(PEER_DIR, { recursive: true });
    writeFileSync(path.join(PEER_DIR, 'package.json'), JSON.stringify({
      private: true,
      dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION, '@hono/node-server': HONO_NODE_SERVER_VERSION },
      overrides: { '@hono/node-server': HONO_NODE_SERVER_VERSION },
    }, null, 2));
    execFileSync('npm', ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (!peerPinned()) throw new Error(`bench/.peer: @hono/node-server is not ${HONO_NODE_SERVER_VERSION} everywhere`);
  }
  return PORTKEY_ENTRY;
}

export interface Portkey {
  proc: Managed;
  url: string;
  /** Headers that route a request to the mock's OpenAI API. */
  headers(mock: Mock): Record<string, string>;
  stop(): Promise<void>;
}

export async function startPortkey(o: { cpu?: string } = {}): Promise<Portkey> {
  const entry = ensurePortkey();
  const port = await freePort();
  const proc = spawnNode({ name: 'portkey', args: [entry, `--port=${port}`, '--headless'], env: { ...baseEnv(), NODE_ENV: 'production' }, cpu: o.cpu ?? SERVER_CPU });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc, { ok: () => true });
  return {
    proc,
    url,
    headers: (mock) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': mock.openai, authorization: `Bearer ${UPSTREAM_KEY}` }),
    stop: () => proc.stop(),
  };
}

/** bench/lib/floor-proxy.mjs (the bare Node proxy) in front of an upstream, on the server core: the reference. */
export async function startFloorProxy(mock: Mock, o: { cpu?: string } = {}): Promise<{ proc: Managed; url: string; openai: string; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = spawnNode({ name: 'floor-proxy', args: [path.join(ROOT, 'bench', 'lib', 'floor-proxy.mjs'), '--port', String(port), '--upstream', mock.url], env: { ...baseEnv(), NODE_ENV: 'production' }, cpu: o.cpu ?? SERVER_CPU });
  const url = `http://127.0.0.1:${port}`;
  const openai = `${url}${new URL(mock.openai).pathname}`;
  await waitForHttp(`${openai}/models`, proc);
  return { proc, url, openai, stop: () => proc.stop() };
}

/** Gateway variables that send the openai provider to the mock. */
export function mockProviderEnv(mock: Mock): Record<string, string> {
  return { OPENAI_BASE_URL: mock.openai, OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_MODEL: MODEL };
}
