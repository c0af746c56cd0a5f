// Machine description and result files under bench/results/ (gitignored).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { GATEWAY_ROOT, ROOT } from './proc.js';

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** The commit the gateway ran from, and whether src/ or test/ had uncommitted changes. */
export function revision(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: GATEWAY_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'test', 'prisma'], { cwd: GATEWAY_ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** Experiment overrides in force (see bench/lib/servers.ts), or null for a plain run. */
export function experiment(): { nodeFlags?: string; env?: string } | null {
  const nodeFlags = process.env.BENCH_GATEWAY_NODE_FLAGS || undefined;
  const env = process.env.BENCH_GATEWAY_ENV || undefined;
  return nodeFlags || env ? { nodeFlags, env } : null;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
  };
}

/** Writes bench/results/<name>-<timestamp>.json and <name>-latest.json; returns the first path. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const at = new Date();
  const doc = { benchmark: name, at: at.toISOString(), machine: machine(), revision: revision(), experiment: experiment(), command: process.argv.slice(1).join(' '), ...data };
  const text = JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  const stamped = path.join(RESULTS_DIR, `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(stamped, text);
  writeFileSync(path.join(RESULTS_DIR, `${name}-latest.json`), text);
  console.log(`\nresults: ${path.relative(ROOT, stamped)}`);
  return stamped;
}
