// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per
// package/file, and inclusive time of the project's own functions.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './proc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Entry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** The profile's start on the monotonic clock (µs). */
  startUs: number;
  totalMs: number;
  idlePct: number;
  gcPct: number;
  selfByFunction: Entry[];
  selfByModule: Entry[];
  inclusiveProject: Entry[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  let p = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (p.startsWith(ROOT)) p = p.slice(ROOT.length);
  return p;
}

/** "node_modules/<pkg>" (scoped too), "src/<file>", "node:<builtin>", or the special node names. */
function moduleOf(node: ProfileNode): string {
  const url = shortUrl(node.callFrame.url);
  if (!url) return `(${node.callFrame.functionName || 'native'})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  return url;
}

function functionKey(node: ProfileNode): string {
  const f = node.callFrame;
  const url = shortUrl(f.url);
  const short = url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : url;
  return `${f.functionName || '(anonymous)'} ${short ? `${short}:${f.lineNumber + 1}` : ''}`.trim();
}

function top(map: Map<string, number>, total: number, n: number): Entry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1000) / 10 }));
}

/**
 * window: only samples between fromMs and toMs after the profile started (i.e. after process start);
 * within: only samples inside one of these [start, end] intervals (µs, the profile's clock).
 */
export function summarizeProfile(file: string, n = 25, window?: { fromMs: number; toMs: number }, within?: [number, number][]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<string, number>();
  const mod = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (window && ((at - p.startTime) / 1000 < window.fromMs || (at - p.startTime) / 1000 > window.toMs)) continue;
    if (within && !within.some(([a, b]) => at >= a && at <= b)) continue;
    const node = byId.get(p.samples[i]!)!;
    total += dt;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') {
      idle += dt;
      continue;
    }
    if (fn === '(garbage collector)') gc += dt;
    const k = functionKey(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const m = moduleOf(node);
    mod.set(m, (mod.get(m) ?? 0) + dt);
    // Inclusive time of the project's own functions (src/), each counted once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const nd = byId.get(id)!;
      const url = shortUrl(nd.callFrame.url);
      if (!url.startsWith('src/')) continue;
      const key = functionKey(nd);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + dt);
    }
  }
  return {
    startUs: p.startTime,
    totalMs: Math.round(total / 1000),
    idlePct: Math.round((idle / total) * 1000) / 10,
    gcPct: Math.round((gc / total) * 1000) / 10,
    selfByFunction: top(self, total, n),
    selfByModule: top(mod, total, n),
    inclusiveProject: top(incl, total, n),
  };
}

export function profileFileLabel(file: string): string {
  return path.relative(ROOT, file);
}
