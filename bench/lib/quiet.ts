// The machine is shared: other processes' CPU use distorts every figure. This
// measures it (whole-machine busy CPU minus ours) and can wait for a quiet moment.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuSeconds, ownPids } from './proc.js';

function busyJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Cores' worth of CPU used by other processes over `ms` (excluding `ownPids`). */
export async function foreignCpu(ms = 1_000, ownPids: number[] = [process.pid]): Promise<number> {
  try {
    const a = busyJiffies();
    const oa = ownPids.map(cpuSeconds);
    await new Promise((r) => setTimeout(r, ms));
    const b = busyJiffies();
    const ob = ownPids.map(cpuSeconds);
    const cores = os.cpus().length;
    const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * cores;
    const own = ob.reduce((s, v, i) => s + (Number.isFinite(v - oa[i]!) ? v - oa[i]! : 0), 0) / (ms / 1000);
    return Math.max(0, busyCores - own);
  } catch {
    return NaN;
  }
}

/** Waits (at most maxWaitMs) until other processes use under `threshold` cores for two seconds in a row. */
export async function waitForQuiet(maxWaitMs = 60_000, threshold = 0.2): Promise<{ waitedMs: number; foreignCores: number }> {
  const started = performance.now();
  let quiet = 0;
  let last = NaN;
  while (performance.now() - started < maxWaitMs) {
    last = await foreignCpu(1_000);
    if (!Number.isFinite(last)) break;
    quiet = last < threshold ? quiet + 1 : 0;
    if (quiet >= 2) break;
  }
  const waitedMs = Math.round(performance.now() - started);
  if (!(last < threshold)) process.stderr.write(`warning: other processes use ${last.toFixed(2)} cores; figures will be noisy\n`);
  return { waitedMs, foreignCores: last };
}

export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Samples other processes' CPU use every second while the benchmark runs. */
export function noiseMonitor(): { stop(): { foreignCoresMean: number; foreignCoresMax: number; samples: number } } {
  const samples: number[] = [];
  let a = busyJiffies();
  let oa = new Map(ownPids().map((p) => [p, cpuSeconds(p)]));
  const t = setInterval(() => {
    try {
      const b = busyJiffies();
      const now = ownPids();
      const ob = new Map(now.map((p) => [p, cpuSeconds(p)]));
      let own = 0;
      for (const p of now) {
        const d = (ob.get(p) ?? NaN) - (oa.get(p) ?? NaN);
        if (Number.isFinite(d)) own += d;
      }
      const seconds = (b.total - a.total) / 100 / os.cpus().length;
      const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length;
      if (seconds > 0) samples.push(Math.max(0, busyCores - own / seconds));
      a = b;
      oa = ob;
    } catch {
      // not Linux
    }
  }, 1_000);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      const mean = samples.length ? samples.reduce((x, y) => x + y, 0) / samples.length : NaN;
      return { foreignCoresMean: Math.round(mean * 100) / 100, foreignCoresMax: Math.round(Math.max(...samples, 0) * 100) / 100, samples: samples.length };
    },
  };
}
