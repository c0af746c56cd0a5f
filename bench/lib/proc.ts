// Child processes for the benchmarks: spawned pinned to a core, waited for until
// they answer, sampled for RSS and CPU, and always stopped (also on Ctrl-C).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Where the gateway and the mock upstream are started from: this checkout, or
 * BENCH_GATEWAY_ROOT (e.g. a snapshot of HEAD while the work tree is mid-edit).
 */
export const GATEWAY_ROOT = process.env.BENCH_GATEWAY_ROOT ? path.resolve(process.env.BENCH_GATEWAY_ROOT) + path.sep : ROOT;

/** The servers under test get core 0; the load generator and the mock upstream get core 1. */
export const SERVER_CPU = '0';
export const LOAD_CPU = '1';
const CAN_PIN = os.cpus().length >= 2 && os.platform() === 'linux';

/** Pins this process (all its threads) to the load core. */
export function pinSelf(cpus = LOAD_CPU): void {
  pinPids([process.pid], cpus); // taskset missing: run unpinned
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Managed {
  name: string;
  pid: number;
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  exited: Promise<number | null>;
  /** The last lines of stdout and stderr, for error messages. */
  logs(): string;
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<Managed>();
let hooksInstalled = false;

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const m of running) {
      try {
        process.kill(m.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** This process and every child it runs now. */
export function ownPids(): number[] {
  return [process.pid, ...[...running].map((m) => m.pid)];
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop(3_000)));
}

export interface SpawnOptions {
  name: string;
  /** Arguments to the command (for node: the script and its flags). */
  args: string[];
  env: Record<string, string | undefined>;
  cpu?: string;
  cwd?: string;
}

/** Spawns `node ...args` (through `taskset -c cpu` when pinning is possible). */
export function spawnNode(o: SpawnOptions): Managed {
  return spawnProcess(process.execPath, o);
}

/** Spawns `command ...args` (through `taskset -c cpu` when pinning is possible). */
export function spawnProcess(command: string, o: SpawnOptions): Managed {
  installHooks();
  const cmd = CAN_PIN && o.cpu !== undefined ? 'taskset' : command;
  const args = CAN_PIN && o.cpu !== undefined ? ['-c', o.cpu, command, ...o.args] : o.args;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v;
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, { cwd: o.cwd ?? GATEWAY_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    tail.push(d.toString('utf8'));
    if (tail.length > 60) tail.splice(0, tail.length - 60);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const m: Managed = {
    name: o.name,
    pid: child.pid!,
    child,
    spawnedAt,
    exited,
    logs: () => tail.join('').slice(-4_000),
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(m);
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      running.delete(m);
    },
  };
  running.add(m);
  void exited.then(() => running.delete(m));
  return m;
}

/** Pins running processes (e.g. PostgreSQL's backends for a benchmark's database) to a core. */
export function pinPids(pids: number[], cpu = SERVER_CPU): number {
  if (!CAN_PIN) return 0;
  let pinned = 0;
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
      pinned++;
    } catch {
      // gone already, or taskset missing
    }
  }
  return pinned;
}

/** Polls url until it answers (any status below 500 unless `ok` says otherwise). */
export async function waitForHttp(
  url: string,
  proc: Managed | null,
  { timeoutMs = 60_000, intervalMs = 20, ok = (s: number) => s < 500 } = {},
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before answering ${url}:\n${proc.logs()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (ok(res.status)) return performance.now();
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${proc?.name ?? url} did not answer ${url} within ${timeoutMs} ms (${last})${proc ? `:\n${proc.logs()}` : ''}`);
}

/** Resident set size in MiB from /proc (NaN when unavailable). */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds used so far by pid (NaN when unavailable). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** Samples RSS every intervalMs until stopped; returns the peak and the last value. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): { peakMiB: number; lastMiB: number } } {
  let peak = rssMiB(pid);
  let last = peak;
  const t = setInterval(() => {
    last = rssMiB(pid);
    if (last > peak || !Number.isFinite(peak)) peak = last;
  }, intervalMs);
  return {
    stop() {
      clearInterval(t);
      last = rssMiB(pid);
      if (last > peak) peak = last;
      return { peakMiB: peak, lastMiB: last };
    },
  };
}

/** The environment a child starts from: enough to run node, none of the gateway's variables. */
export function baseEnv(): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, LANG: process.env.LANG };
}
