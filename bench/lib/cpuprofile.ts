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
  /** Self time by kind of code (categoryOf), every category, busy time only. */
  selfByCategory: Entry[];
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

const GRAPHQL = /^npm:(graphql|graphql-yoga|graphql-jit|graphql-ws|graphql-subscriptions|graphql-redis-subscriptions|@graphql-yoga\/.*|@graphql-tools\/.*|@envelop\/.*|@whatwg-node\/.*|@pothos\/.*|@repeaterjs\/.*|dset|fast-json-stringify|generate-function)$/;
const SDK = /^npm:(openai|@anthropic-ai\/.*|@google\/generative-ai|cohere-ai|@huggingface\/.*|ollama)$/;
const DATABASE = /^npm:(@electric-sql\/pglite|pglite-prisma-adapter|@prisma\/.*|prisma|pg|pg-.*|postgres-.*)$/;
const NODE_IO = /^node:(_http_|http|https|net|_stream|stream|internal\/(streams|stream_base_commons|http|js_stream_socket|net|dns|timers|process\/task_queues|async_hooks|event_target|abort_controller|webstreams))|^node:(events|timers)$/;

/**
 * The kind of code a sample ran: our code (src/, or dist/ built from it), Yoga/GraphQL, the
 * provider SDKs, undici, the database (PGlite, Prisma, pg; the generated client too), Redis,
 * JSON, GC, the tokenizer, crypto and auth, zlib, Node's HTTP/streams/timers, other packages.
 * Frames without JavaScript source (WebAssembly such as PGlite's PostgreSQL or undici's HTTP
 * parser, native bindings such as writev, regular expressions) count for the JavaScript that
 * called them.
 */
function categoryOfFrame(node: ProfileNode): string | null {
  const fn = node.callFrame.functionName;
  const url = shortUrl(node.callFrame.url);
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native, unattributed';
  if (!url || url.startsWith('wasm://')) {
    if (fn === 'parse' || fn === 'stringify' || fn.startsWith('JSON')) return 'JSON';
    return null;
  }
  if (/^(src|dist)\/generated\//.test(url)) return 'database (PGlite, Prisma, pg)';
  if (url.startsWith('src/') || url.startsWith('dist/')) return 'our code';
  const mod = moduleOf(node);
  if (GRAPHQL.test(mod)) return 'Yoga/GraphQL';
  if (SDK.test(mod)) return 'provider SDKs';
  if (mod === 'npm:undici' || url.startsWith('node:internal/deps/undici')) return 'undici';
  if (DATABASE.test(mod)) return 'database (PGlite, Prisma, pg)';
  if (mod === 'npm:ioredis' || mod.startsWith('npm:@ioredis') || mod === 'npm:redis-parser') return 'Redis client';
  if (mod === 'npm:gpt-tokenizer') return 'tokenizer';
  if (mod === 'npm:jsonwebtoken' || mod === 'npm:jws' || mod === 'npm:jwa' || url.startsWith('node:internal/crypto') || url === 'node:crypto') return 'crypto and auth';
  if (url === 'node:zlib' || url.startsWith('node:internal/zlib')) return 'zlib';
  if (NODE_IO.test(url)) return 'Node HTTP, net, streams, timers';
  if (mod === 'npm:tsx' || mod === 'npm:esbuild' || url.startsWith('node:internal/modules')) return 'module loading';
  if (mod.startsWith('npm:')) return 'other packages';
  if (url.startsWith('node:')) return 'Node, other';
  return 'other';
}

function categorizer(byId: Map<number, ProfileNode>, parent: Map<number, number>): (node: ProfileNode) => string {
  const memo = new Map<number, string>();
  const of = (node: ProfileNode): string => {
    let c = memo.get(node.id);
    if (c === undefined) {
      const up = parent.get(node.id);
      c = categoryOfFrame(node) ?? (up === undefined ? 'V8/native, unattributed' : of(byId.get(up)!));
      memo.set(node.id, c);
    }
    return c;
  };
  return of;
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
  const categoryOf = categorizer(byId, parent);
  const self = new Map<string, number>();
  const mod = new Map<string, number>();
  const cat = new Map<string, number>();
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
    const c = categoryOf(node);
    cat.set(c, (cat.get(c) ?? 0) + dt);
    // Inclusive time of the project's own functions (src/, or dist/ built from it), each counted once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const nd = byId.get(id)!;
      const url = shortUrl(nd.callFrame.url);
      if (!url.startsWith('src/') && !url.startsWith('dist/')) continue;
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
    selfByCategory: top(cat, total - idle, cat.size),
    inclusiveProject: top(incl, total, n),
  };
}

export function profileFileLabel(file: string): string {
  return path.relative(ROOT, file);
}
