// Experiment: what one in-flight completion retains in the gateway, deterministically.
// The gateway runs as bench/capacity.ts starts it (dist build, NODE_ENV=production, embedded
// database, cache on with unique prompts, analytics on; REST POST /api/ai/openai), plus
// --inspect so that this script can take heap snapshots over the DevTools protocol. Its
// upstream is a gate in this process in front of the benchmarks' provider-like upstream: the
// gate forwards at once during warm-up and holds every request while measuring, so exactly N
// completions are in flight, all waiting for the upstream's answer, when the snapshot is taken.
//
// Per round: N client connections are opened (snapshot "open": connections, no request), then
// one request is sent on each and the gate waits until it holds N (snapshot "held"), then the
// answers are released and drained. A full GC precedes every snapshot (V8 takes one). Reported
// per in-flight request (held minus open, divided by N; median of the rounds): heap bytes by
// constructor / closure name / string kind, with the object counts; live sampled allocations
// by the function that allocated them (HeapProfiler sampling, started before the requests);
// copies of the prompt text; external memory (ArrayBuffers, Buffers), RSS, active handles.
// The connections' own cost (open minus idle) is reported apart.
//   node --max-old-space-size=6000 --import tsx bench/experiments/inflight-heap.mts [--n 1000] [--rounds 3] [--top 40]
//     [--paths 8]   (print a retainer path for one sample object of each of the top groups)
//   BENCH_GATEWAY_ROOT=/other/checkout ...   (measure another checkout's gateway)
//   --target proxy                           (the bare Node proxy instead: what any Node proxy holds)
//   --rounds 0 --steady 500,1000 [--steady-ms 8000] [--delay-ms 1000] [--profile]
//       steady state as bench/capacity.ts loads it: memory by heap space under load, GC pauses, the
//       gateway's event-loop delay and (--profile) what ran while its loop was late
//   BENCH_GATEWAY_NODE_FLAGS="--max-semi-space-size=4" ...   (V8 flags for the gateway)
//   INFLIGHT_GW_LOG=/tmp/gw.log BENCH_GATEWAY_NODE_FLAGS=--trace-gc-nvp ... --steady 1000
//       (also: bytes allocated, kept in the young generation and promoted per answer in the window)
// ulimit -n must allow 2 N + a few hundred descriptors per process.
//
// What it found (2026-12-06, N = 1000, median of 3, each request with its own upstream connection):
// a completion in flight holds 27.6 KiB of heap (+2.7 KiB for its client connection; RSS held minus
// idle 30 KiB), the bare proxy 7.3 KiB (+2.5). Most of that is structural: 13 suspended async
// frames (10 of the gateway's, 3 of the OpenAI SDK's) with their promises and closures, undici's
// Client per upstream socket (about 5 KiB), Node's request/response. Under load (--steady) the
// RSS per in-flight request that bench/capacity.ts reports (180-200 KiB) is mostly GC headroom, not
// retention: at 1000 in flight, +180 MiB RSS = young generation grown to 32 MiB + old space
// 144 MiB over rest, of which 36 MiB live (requests in flight, cache entries) and the rest garbage
// awaiting a mark-compact; it scales with the request rate, not with what one request holds.
import { createWriteStream, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { buildRequest, RawConnection, UniqueRequests } from '../lib/http-load.js';
import { auth, openaiBody, PROMPT, restBody } from '../lib/payloads.js';
import { baseEnv, freePort, pinSelf, ROOT, rssMiB, SERVER_CPU, spawnNode, stopAll, waitForHttp, type Managed } from '../lib/proc.js';
import { startProviderUpstream } from '../lib/provider-upstream.js';
import { mockProviderEnv, startGateway, UPSTREAM_KEY } from '../lib/servers.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    top: { type: 'string', default: '40' },
    paths: { type: 'string', default: '0' },
    'warmup': { type: 'string', default: '300' },
    steady: { type: 'string', default: '' },
    'steady-ms': { type: 'string', default: '8000' },
    'delay-ms': { type: 'string', default: '1000' },
    profile: { type: 'boolean', default: false },
    target: { type: 'string', default: 'gateway' },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const TOP = Number(values.top);
const PATHS = Number(values.paths);
pinSelf();

// --- the gate: the upstream that holds answers until released ------------------------------

const real = await startProviderUpstream({ latencyMs: 0 });
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let holding = false;
/** Steady phase: every completion answered this long after it arrived (0: at once). */
let delayMs = 0;
const held: (() => void)[] = [];
let heldWaiter: (() => void) | null = null;
let heldTarget = Infinity;
const gate = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const forward = () => {
      const up = http.request({ agent: upstreamAgent, host: '127.0.0.1', port: real.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    };
    if (delayMs > 0 && req.method === 'POST') setTimeout(forward, delayMs);
    else if (holding && req.method === 'POST') {
      held.push(forward);
      if (held.length >= heldTarget && heldWaiter) heldWaiter();
    } else forward();
  });
});
// Idle upstream connections close after 5 s (the gateway's own pool drops them after 3-4 s),
// so that every round starts with none pooled: each request in flight then counts its own.
gate.keepAliveTimeout = 5_000;
await new Promise<void>((r) => gate.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;

// --- the gateway, with the inspector -----------------------------------------------------------

const inspectPort = await freePort();
// --target proxy: the bare Node proxy (bench/lib/floor-proxy.mjs) instead, the reference for what any Node proxy holds.
let gw: { proc: Managed; port: number; url: string };
let requests: UniqueRequests;
if (values.target === 'proxy') {
  const port = await freePort();
  const proc = spawnNode({ name: 'floor-proxy', args: [`--inspect=127.0.0.1:${inspectPort}`, path.join(ROOT, 'bench', 'lib', 'floor-proxy.mjs'), '--port', String(port), '--upstream', gateUrl], env: { ...baseEnv(), NODE_ENV: 'production' }, cpu: SERVER_CPU });
  gw = { proc, port, url: `http://127.0.0.1:${port}` };
  await waitForHttp(`${gw.url}/v1/models`, proc);
  requests = new UniqueRequests((p) => buildRequest('POST', `${gw.url}/v1/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }, openaiBody(p)), PROMPT);
} else {
  const g = await startGateway({
    name: 'gateway (defaults)',
    env: mockProviderEnv({ openai: `${gateUrl}/v1` } as never),
    nodeFlags: [`--inspect=127.0.0.1:${inspectPort}`],
  });
  gw = g;
  // INFLIGHT_GW_LOG=file: the gateway's output there (e.g. with BENCH_GATEWAY_NODE_FLAGS=--trace-gc).
  if (process.env.INFLIGHT_GW_LOG) g.proc.child.stdout!.pipe(createWriteStream(process.env.INFLIGHT_GW_LOG));
  const headers = auth(await g.token());
  requests = new UniqueRequests((p) => buildRequest('POST', `${g.url}/api/ai/openai`, headers, restBody(p)), PROMPT);
}
const RUN_TAG = /\[(\w+)-\d{12}\]/.exec(requests.lastPrompt() || (requests.next(), requests.lastPrompt()))![1]!;

// --- a minimal DevTools protocol client -------------------------------------------------------

const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
let seq = 0;
/** Script id -> its file (for where closures were defined), from the debugger's scriptParsed events. */
const scripts = new Map<string, string>();
const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
const listeners = new Map<string, (params: any) => void>();
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (m.id !== undefined) {
    const p = pending.get(m.id)!;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(JSON.stringify(m.error)));
    else p.resolve(m.result);
  } else listeners.get(m.method)?.(m.params);
});
function cdp<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const id = ++seq;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
listeners.set('Debugger.scriptParsed', (p) => scripts.set(p.scriptId, String(p.url).replace(/^.*\/(node_modules|dist)\//, '$1/')));
await cdp('Debugger.enable');
async function evaluate<T>(expression: string): Promise<T> {
  const r = await cdp('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true, includeCommandLineAPI: true });
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value as T;
}

interface ProcessState {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rssMiB: number;
  resources: Record<string, number>;
  spaces?: Record<string, [number, number]>;
}
async function processState(): Promise<ProcessState> {
  await cdp('HeapProfiler.collectGarbage');
  const s = await evaluate<Omit<ProcessState, 'rssMiB'>>(`(() => {
    const m = process.memoryUsage();
    const resources = {};
    for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
    const spaces = {};
    for (const s of require('v8').getHeapSpaceStatistics()) spaces[s.space_name] = [s.space_used_size, s.physical_space_size];
    return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, resources, spaces };
  })()`);
  return { ...s, rssMiB: rssMiB(gw.proc.pid) };
}

// --- snapshots, summarised ----------------------------------------------------------------------

interface Group {
  count: number;
  bytes: number;
  /** One node index, for a retainer path. */
  sample: number;
}
interface Summary {
  groups: Map<string, Group>;
  total: number;
  /** Strings holding a prompt of this run (the unique prompt text, or a larger text containing it). */
  promptStrings: { count: number; bytes: number; kinds: Map<string, number> };
  path: (node: number) => string;
  /** Plain objects (Object) by their first property names, with the bytes of their property stores. */
  shapes: Map<string, { count: number; bytes: number }>;
  /** Strings by kind and their first 40 characters (hex runs and long numbers as #). */
  stringPrefixes: Map<string, { count: number; bytes: number }>;
}

async function snapshot(wantPaths: boolean): Promise<Summary> {
  const parts: string[] = [];
  listeners.set('HeapProfiler.addHeapSnapshotChunk', (p) => parts.push(p.chunk));
  await cdp('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  listeners.delete('HeapProfiler.addHeapSnapshotChunk');
  const snap = JSON.parse(parts.join(''));
  parts.length = 0;
  const meta = snap.snapshot.meta;
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const nodeTypes: string[] = meta.node_types[0];
  const edgeTypes: string[] = meta.edge_types[0];
  const NF = nf.length;
  const EF = ef.length;
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const nodes: number[] = snap.nodes;
  const edges: number[] = snap.edges;
  const strings: string[] = snap.strings;
  const count = nodes.length / NF;
  const groups = new Map<string, Group>();
  const promptStrings = { count: 0, bytes: 0, kinds: new Map<string, number>() };
  const stringPrefixes = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  // Where each closure was defined (script, line), and the function each generator (a suspended async function) runs.
  const where = new Map<number, string>();
  const loc: number[] = snap.locations ?? [];
  const LF = meta.location_fields?.length ?? 4;
  for (let k = 0; k < loc.length; k += LF) where.set(loc[k]! / NF, `${scripts.get(String(loc[k + 1])) ?? loc[k + 1]}:${loc[k + 2]! + 1}`);
  // A generator's group is named after its function, and its register file (the suspended
  // async function's locals and temporaries) is counted with it.
  const fnEdge = strings.indexOf('function');
  const regEdge = strings.indexOf('parameters_and_registers');
  const owner = new Map<number, string>();
  let edgeAt = 0;
  for (let i = 0; i < count; i++) {
    const firstEdge = edgeAt;
    edgeAt += nodes[i * NF + iEdges]!;
    const name = strings[nodes[i * NF + iName]!]!;
    if (nodeTypes[nodes[i * NF + iType]!] !== 'object' || (name !== 'Generator' && name !== 'AsyncGenerator')) continue;
    let label = `${name} (with its registers) of (unknown)`;
    let registers = -1;
    for (let e = firstEdge; e < edgeAt; e++) {
      if (edgeTypes[edges[e * EF + eType]!] === 'element') continue;
      const to = edges[e * EF + eTo]! / NF;
      if (edges[e * EF + eName] === fnEdge) label = `${name} (with its registers) of ${strings[nodes[to * NF + iName]!] || '(anonymous)'} ${where.get(to) ?? ''}`;
      if (edges[e * EF + eName] === regEdge) registers = to;
    }
    owner.set(i, label);
    if (registers >= 0) owner.set(registers, label);
  }
  for (let i = 0; i < count; i++) {
    const type = nodeTypes[nodes[i * NF + iType]!]!;
    let name = strings[nodes[i * NF + iName]!]!;
    const size = nodes[i * NF + iSize]!;
    const owned = owner.get(i);
    if (owned) name = owned;
    total += size;
    let key: string;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      key = `(${type})`;
      const prefix = `${type === 'string' ? '' : type + ' '}${JSON.stringify(name.slice(0, 40).replace(/[0-9a-f]{8,}|\d{6,}/g, '#'))}`;
      const sp = stringPrefixes.get(prefix);
      if (sp) {
        sp.count++;
        sp.bytes += size;
      } else stringPrefixes.set(prefix, { count: 1, bytes: size });
      if (name.includes(RUN_TAG)) {
        promptStrings.count++;
        promptStrings.bytes += size;
        const kind = name.length < 200 ? `${type} len<200` : `${type} len ${Math.round(name.length / 100) * 100}`;
        promptStrings.kinds.set(kind, (promptStrings.kinds.get(kind) ?? 0) + 1);
      }
    } else if (owned) key = owned;
    else if (type === 'closure') key = `closure ${name || '(anonymous)'} ${where.get(i) ?? ''}`;
    else if (type === 'object' || type === 'native') key = `${type === 'native' ? 'native ' : ''}${name.length > 120 ? name.slice(0, 120) + '…' : name}`;
    else if (type === 'code') key = '(code)';
    else if (type === 'number') key = '(heap number)';
    else key = `(${type}) ${name.length > 60 ? name.slice(0, 60) + '…' : name}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.bytes += size;
    } else groups.set(key, { count: 1, bytes: size, sample: i });
  }
  // Plain objects by property names: which of the gateway's or the SDK's objects they are.
  const shapes = new Map<string, { count: number; bytes: number }>();
  {
    const propEdge = edgeTypes.indexOf('property');
    const internalEdge = edgeTypes.indexOf('internal');
    let e = 0;
    for (let i = 0; i < count; i++) {
      const n = nodes[i * NF + iEdges]!;
      const isObject = nodeTypes[nodes[i * NF + iType]!] === 'object' && strings[nodes[i * NF + iName]!] === 'Object';
      if (!isObject) {
        e += n;
        continue;
      }
      const names: string[] = [];
      let bytes = nodes[i * NF + iSize]!;
      for (let k = 0; k < n; k++, e++) {
        const t = edges[e * EF + eType]!;
        if (t === propEdge && names.length < 8) names.push(strings[edges[e * EF + eName]!]!);
        if (t === internalEdge && strings[edges[e * EF + eName]!] === 'properties') bytes += nodes[(edges[e * EF + eTo]! / NF) * NF + iSize]!;
      }
      const key = `{${names.join(',')}}`;
      const g = shapes.get(key);
      if (g) {
        g.count++;
        g.bytes += bytes;
      } else shapes.set(key, { count: 1, bytes });
    }
  }
  let path = (_: number) => '';
  if (wantPaths) {
    // First strong retainer of every node, for a path from a sample object towards the roots.
    const retainer = new Int32Array(count).fill(-1);
    const retainerEdge = new Int32Array(count).fill(-1);
    let e = 0;
    for (let i = 0; i < count; i++) {
      const n = nodes[i * NF + iEdges]!;
      for (let k = 0; k < n; k++, e++) {
        const t = edgeTypes[edges[e * EF + eType]!];
        if (t === 'weak' || t === 'shortcut') continue;
        const to = edges[e * EF + eTo]! / NF;
        if (retainer[to] === -1) {
          retainer[to] = i;
          retainerEdge[to] = e;
        }
      }
    }
    path = (node) => {
      const out: string[] = [];
      let cur = node;
      for (let depth = 0; depth < 12 && cur >= 0; depth++) {
        const r = retainer[cur]!;
        if (r < 0) break;
        const ed = retainerEdge[cur]!;
        const t = edgeTypes[edges[ed * EF + eType]!];
        const nm = t === 'element' || t === 'hidden' ? `[${edges[ed * EF + eName]}]` : strings[edges[ed * EF + eName]!];
        const rname = strings[nodes[r * NF + iName]!]!;
        out.push(`${nodeTypes[nodes[r * NF + iType]!]} ${rname.slice(0, 50)}.${nm}`);
        cur = r;
      }
      return out.join(' <- ');
    };
  }
  return { groups, total, promptStrings, path, shapes, stringPrefixes };
}

// --- load ------------------------------------------------------------------------------------

async function openConnections(n: number): Promise<RawConnection[]> {
  const out: RawConnection[] = [];
  for (let left = n; left > 0; left -= 200) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(200, left) }, () => RawConnection.connect(gw.port)))));
  }
  return out;
}

async function sendAll(conns: RawConnection[]): Promise<void> {
  const answers = await Promise.all(conns.map((c) => c.send(requests.next())));
  const bad = answers.find((r) => r.status !== 200 || r.body.includes('"cached":true'));
  if (bad) throw new Error(`unexpected answer: ${bad.status} ${bad.body.toString('utf8', 0, 300)}`);
}

// Warm-up: JIT, lazily loaded modules, the first analytics writes, pools at their size for N.
{
  const conns = await openConnections(Math.min(N, 200));
  for (let done = 0; done < Number(values.warmup); done += conns.length) await sendAll(conns);
  for (const c of conns) c.close();
  const big = await openConnections(N);
  await sendAll(big);
  for (const c of big) c.close();
  await new Promise((r) => setTimeout(r, 6000));
}

interface Round {
  idle: ProcessState;
  open: ProcessState;
  held: ProcessState;
  openSnap: Summary;
  heldSnap: Summary;
  idleSnap: Summary;
  afterSnap: Summary;
  idleSnapTotal: number;
  sampled: Map<string, number>;
  sampledOwn: Map<string, number>;
}

const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) {
  process.stderr.write(`round ${r + 1}: idle snapshot\n`);
  const idle = await processState();
  const idleSnap = await snapshot(false);
  const conns = await openConnections(N);
  await new Promise((res) => setTimeout(res, 200));
  process.stderr.write(`round ${r + 1}: ${N} connections open\n`);
  const open = await processState();
  const openSnap = await snapshot(false);
  await cdp('HeapProfiler.startSampling', { samplingInterval: 256 });
  holding = true;
  heldTarget = N;
  const allHeld = new Promise<void>((res) => (heldWaiter = res));
  const answers = sendAll(conns);
  await allHeld;
  await new Promise((res) => setTimeout(res, 300)); // every request parked upstream; nothing else moving
  process.stderr.write(`round ${r + 1}: ${held.length} held\n`);
  const heldState = await processState();
  const heldSnap = await snapshot(PATHS > 0 && r === 0);
  const profile = (await cdp('HeapProfiler.getSamplingProfile')).profile;
  await cdp('HeapProfiler.stopSampling');
  // Live sampled bytes by allocating function: the leaf frame, and the innermost frame of the gateway's own code.
  const sampled = new Map<string, number>();
  const sampledOwn = new Map<string, number>();
  const walk = (node: any, stack: any[]) => {
    const frames = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      const f = node.callFrame;
      const leaf = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
      sampled.set(leaf, (sampled.get(leaf) ?? 0) + node.selfSize);
      const own = [...frames].reverse().find((x) => x.url.includes('/dist/'));
      const ownKey = own ? `${own.functionName || '(anonymous)'} ${own.url.replace(/^.*\/dist\//, 'dist/')}:${own.lineNumber + 1}` : '(no gateway frame)';
      sampledOwn.set(ownKey, (sampledOwn.get(ownKey) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, frames);
  };
  walk(profile.head, []);
  holding = false;
  heldTarget = Infinity;
  for (const f of held.splice(0)) f();
  await answers;
  for (const c of conns) c.close();
  await new Promise((res) => setTimeout(res, 6000));
  const afterSnap = await snapshot(false); // what N completed requests left behind (cache entries, records not yet flushed)
  rounds.push({ idle, open, held: heldState, openSnap, heldSnap, idleSnap, afterSnap, idleSnapTotal: idleSnap.total, sampled, sampledOwn });
  if (r === 0 && PATHS > 0) {
    const diffs = [...heldSnap.groups].map(([k, g]) => [k, g.bytes - (openSnap.groups.get(k)?.bytes ?? 0), g.sample] as const).sort((a, b) => b[1] - a[1]).slice(0, PATHS);
    console.log('\nretainer paths (one sample object of each of the largest groups, round 1):');
    for (const [k, , sample] of diffs) console.log(`  ${k}: ${heldSnap.path(sample)}`);
  }
}

// --- report -------------------------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const per = (f: (r: Round) => number) => median(rounds.map(f)) / N;
const fmt = (b: number) => (Math.abs(b) >= 1024 ? `${(b / 1024).toFixed(2)} KiB` : `${b.toFixed(0)} B`);

if (ROUNDS > 0) {
console.log(`\n${N} completions in flight (${values.target === 'proxy' ? 'bare Node proxy' : 'gateway: REST, unique prompts, cache and analytics on, embedded DB'}), ${ROUNDS} rounds; per request, median of rounds:`);
console.log(`  heap (snapshot, live objects)  held-open ${fmt(per((r) => r.heldSnap.total - r.openSnap.total))}; connections alone (open-idle) ${fmt(per((r) => r.openSnap.total - r.idleSnapTotal))}`);
console.log(`  heapUsed after GC              held-open ${fmt(per((r) => r.held.heapUsed - r.open.heapUsed))}; open-idle ${fmt(per((r) => r.open.heapUsed - r.idle.heapUsed))}`);
console.log(`  external                       held-open ${fmt(per((r) => r.held.external - r.open.external))}; open-idle ${fmt(per((r) => r.open.external - r.idle.external))}`);
console.log(`  arrayBuffers                   held-open ${fmt(per((r) => r.held.arrayBuffers - r.open.arrayBuffers))}; open-idle ${fmt(per((r) => r.open.arrayBuffers - r.idle.arrayBuffers))}`);
console.log(`  RSS (noisy: pages not returned) held-idle ${fmt(per((r) => (r.held.rssMiB - r.idle.rssMiB) * 2 ** 20))}; open-idle ${fmt(per((r) => (r.open.rssMiB - r.idle.rssMiB) * 2 ** 20))}`);
console.log(`  prompt copies in the heap      ${(median(rounds.map((r) => r.heldSnap.promptStrings.count - r.openSnap.promptStrings.count)) / N).toFixed(2)} strings, ${fmt(per((r) => r.heldSnap.promptStrings.bytes - r.openSnap.promptStrings.bytes))}: ${[...rounds[0]!.heldSnap.promptStrings.kinds].map(([k, v]) => `${k} ×${(v / N).toFixed(2)}`).join(', ')}`);
const resKeys = new Set(rounds.flatMap((r) => [...Object.keys(r.held.resources), ...Object.keys(r.idle.resources)]));
console.log(`  active resources (held - idle) ${[...resKeys].map((k) => `${k} ${(median(rounds.map((r) => (r.held.resources[k] ?? 0) - (r.idle.resources[k] ?? 0))) / N).toFixed(2)}`).join(', ')}`);

const keys = new Set(rounds.flatMap((r) => [...r.heldSnap.groups.keys(), ...r.openSnap.groups.keys()]));
const rows = [...keys].map((k) => {
  const bytes = median(rounds.map((r) => (r.heldSnap.groups.get(k)?.bytes ?? 0) - (r.openSnap.groups.get(k)?.bytes ?? 0))) / N;
  const count = median(rounds.map((r) => (r.heldSnap.groups.get(k)?.count ?? 0) - (r.openSnap.groups.get(k)?.count ?? 0))) / N;
  return { k, bytes, count };
}).sort((a, b) => b.bytes - a.bytes);
console.log(`\nheap by constructor / closure / kind, per in-flight request (held - open), top ${TOP}:`);
for (const r of rows.slice(0, TOP)) console.log(`  ${fmt(r.bytes).padStart(10)}  ×${r.count.toFixed(2).padStart(6)}  ${r.k}`);
const shapeKeys = new Set(rounds.flatMap((r) => [...r.heldSnap.shapes.keys()]));
const shapeRows = [...shapeKeys].map((k) => ({
  k, bytes: median(rounds.map((r) => (r.heldSnap.shapes.get(k)?.bytes ?? 0) - (r.openSnap.shapes.get(k)?.bytes ?? 0))) / N,
  count: median(rounds.map((r) => (r.heldSnap.shapes.get(k)?.count ?? 0) - (r.openSnap.shapes.get(k)?.count ?? 0))) / N,
})).sort((a, b) => b.bytes - a.bytes);
console.log('\nplain objects (Object) by their first property names, with their property stores, per request:');
for (const r of shapeRows.slice(0, 30)) console.log(`  ${fmt(r.bytes).padStart(10)}  ×${r.count.toFixed(2).padStart(6)}  ${r.k.slice(0, 150)}`);
const prefixKeys = new Set(rounds.flatMap((r) => [...r.heldSnap.stringPrefixes.keys()]));
const prefixRows = [...prefixKeys].map((k) => ({
  k, bytes: median(rounds.map((r) => (r.heldSnap.stringPrefixes.get(k)?.bytes ?? 0) - (r.openSnap.stringPrefixes.get(k)?.bytes ?? 0))) / N,
  count: median(rounds.map((r) => (r.heldSnap.stringPrefixes.get(k)?.count ?? 0) - (r.openSnap.stringPrefixes.get(k)?.count ?? 0))) / N,
})).sort((a, b) => b.bytes - a.bytes);
console.log('\nstrings by their first 40 characters, per request:');
for (const r of prefixRows.slice(0, 30)) console.log(`  ${fmt(r.bytes).padStart(10)}  ×${r.count.toFixed(2).padStart(6)}  ${r.k}`);
const counts = (re: RegExp) => rows.filter((r) => re.test(r.k)).reduce((a, r) => a + r.count, 0);
console.log(`  counts per request: Promise ${counts(/^Promise$/).toFixed(2)}, closures ${counts(/^closure /).toFixed(2)}, AbortController ${counts(/^AbortController$/).toFixed(2)}, AbortSignal ${counts(/^AbortSignal$/).toFixed(2)}, Timeout ${counts(/^Timeout$/).toFixed(2)}, Socket ${counts(/^Socket$/).toFixed(2)}, Map ${counts(/^Map$/).toFixed(2)}, Buffer/Uint8Array ${counts(/^(Buffer|Uint8Array|FastBuffer)$/).toFixed(2)}`);

const after = [...new Set(rounds.flatMap((r) => [...r.afterSnap.groups.keys()]))].map((k) => ({
  k, bytes: median(rounds.map((r) => (r.afterSnap.groups.get(k)?.bytes ?? 0) - (r.idleSnap.groups.get(k)?.bytes ?? 0))) / N,
  count: median(rounds.map((r) => (r.afterSnap.groups.get(k)?.count ?? 0) - (r.idleSnap.groups.get(k)?.count ?? 0))) / N,
})).sort((a, b) => b.bytes - a.bytes);
console.log(`\nleft behind per completed request (6 s after the answers, minus idle before the round): ${fmt(per((r) => r.afterSnap.total - r.idleSnap.total))}; prompt copies ${(median(rounds.map((r) => r.afterSnap.promptStrings.count - r.idleSnap.promptStrings.count)) / N).toFixed(2)}; top 25:`);
for (const r of after.slice(0, 25)) console.log(`  ${fmt(r.bytes).padStart(10)}  ×${r.count.toFixed(2).padStart(6)}  ${r.k}`);
const sampledRows = (pick: (r: Round) => Map<string, number>) => {
  const ks = new Set(rounds.flatMap((r) => [...pick(r).keys()]));
  return [...ks].map((k) => ({ k, bytes: median(rounds.map((r) => pick(r).get(k) ?? 0)) / N })).sort((a, b) => b.bytes - a.bytes);
};
const own = sampledRows((r) => r.sampledOwn);
console.log(`\nlive allocations made after the connections opened (sampled every 256 B), by the innermost gateway function on the stack; total ${fmt(own.reduce((a, r) => a + r.bytes, 0))}:`);
for (const r of own.slice(0, 25)) console.log(`  ${fmt(r.bytes).padStart(10)}  ${r.k}`);
console.log('\n... by the allocating function:');
for (const r of sampledRows((r) => r.sampled).slice(0, 25)) console.log(`  ${fmt(r.bytes).padStart(10)}  ${r.k}`);
}

// --- steady state: N closed-loop connections against a delayed upstream, as bench/capacity.ts ---
// Memory sampled inside the gateway every 250 ms (no forced GC: what RSS holds under load), then
// one forced GC for the live heap; the gateway's event-loop delay histogram, its GC pauses and,
// for every time its loop was late by more than 5 ms, what its CPU profile shows ran then.

const PROBE = `(() => {
  const v8 = require('v8'); const { monitorEventLoopDelay, PerformanceObserver } = require('perf_hooks');
  const p = globalThis.__inflightProbe = { samples: [], gcs: [], late: [], h: monitorEventLoopDelay({ resolution: 1 }) };
  p.h.enable();
  const { constants: c } = require('perf_hooks');
  const kinds = { [c.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [c.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [c.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [c.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks' };
  p.obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) p.gcs.push([e.startTime, e.duration, kinds[e.detail?.kind] ?? String(e.detail?.kind)]); });
  p.obs.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  p.tick = setInterval(() => { const now = performance.now(); const late = now - last - 5; if (late > 5) p.late.push([now - late, now]); last = now; }, 5);
  p.sample = setInterval(() => {
    const m = process.memoryUsage(); const sp = {};
    for (const s of v8.getHeapSpaceStatistics()) sp[s.space_name] = [s.space_used_size, s.physical_space_size];
    p.samples.push({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, sp });
  }, 250);
  return [performance.now(), Number(process.hrtime.bigint() / 1000n)];
})()`;
const UNPROBE = `(() => {
  const p = globalThis.__inflightProbe; clearInterval(p.tick); clearInterval(p.sample); p.obs.disconnect(); p.h.disable();
  const pc = {}; for (const q of [50, 90, 99, 99.9]) pc[q] = p.h.percentile(q) / 1e6;
  const out = { samples: p.samples, gcs: p.gcs, late: p.late, lag: { ...pc, max: p.h.max / 1e6, mean: p.h.mean / 1e6 }, cpu: process.cpuUsage() };
  delete globalThis.__inflightProbe; return out;
})()`;

function keyOfFrame(f: { functionName: string; url: string; lineNumber: number }): string {
  if (!f.url) return f.functionName || '(anonymous)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (m) return m[1]!;
  if (f.url.includes('/dist/')) return `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
  return f.url.startsWith('node:') ? f.url : f.url.replace(/^.*\//, '');
}

async function steadyLevel(n: number, ms: number) {
  delayMs = Number(values['delay-ms']);
  const conns = await openConnections(n);
  const added: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const windowStart = t0 + 2 * delayMs;
  const windowEnd = windowStart + ms;
  const loop = async (c: RawConnection, startAt: number) => {
    await new Promise((r) => setTimeout(r, startAt));
    while (performance.now() < windowEnd) {
      const sent = performance.now();
      const r = await c.send(requests.next());
      if (r.status !== 200) failed++;
      else if (sent >= windowStart) added.push(performance.now() - sent - delayMs);
    }
  };
  const loops = Promise.all(conns.map((c, i) => loop(c, (i / n) * delayMs)));
  await new Promise((r) => setTimeout(r, windowStart - performance.now()));
  const rss0 = rssMiB(gw.proc.pid);
  const [pn0, hr0] = await evaluate<[number, number]>(PROBE);
  const c0 = await evaluate<{ user: number; system: number }>('process.cpuUsage()');
  cpuBefore = (c0.user + c0.system) / 1e6;
  if (values.profile) {
    await cdp('Profiler.enable');
    await cdp('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp('Profiler.start');
  }
  await new Promise((r) => setTimeout(r, windowEnd - performance.now()));
  const profile = values.profile ? (await cdp('Profiler.stop')).profile : { nodes: [], samples: [], timeDeltas: [], startTime: 0 };
  const probe = await evaluate<any>(UNPROBE);
  const pnEnd = await evaluate<number>('performance.now()');
  const live = await processState();
  await loops;
  delayMs = 0;
  for (const c of conns) c.close();
  // What ran while the loop was late: profile samples inside each late window, by frame.
  const byId = new Map<number, any>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const ownFrame = (id: number) => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      if (f.url.includes('/dist/')) return keyOfFrame(f);
    }
    return '(no gateway frame)';
  };
  const lateMs = new Map<string, number>();
  const lateOwn = new Map<string, number>();
  let t = profile.startTime;
  const windows = (probe.late as [number, number][]).map(([a, b]) => [(a - pn0) * 1000 + hr0, (b - pn0) * 1000 + hr0]);
  let w = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i];
    t += dt;
    if (dt > 5000) continue; // the profiler could not sample meanwhile (a GC, a native call): no frame to blame
    while (w < windows.length && windows[w]![1]! < t) w++;
    if (w >= windows.length || t < windows[w]![0]!) continue;
    const leaf = keyOfFrame(byId.get(profile.samples[i]).callFrame);
    lateMs.set(leaf, (lateMs.get(leaf) ?? 0) + dt / 1000);
    const own = ownFrame(profile.samples[i]);
    lateOwn.set(own, (lateOwn.get(own) ?? 0) + dt / 1000);
  }
  const gcInLate = (probe.gcs as [number, number, number][]).filter(([s, d]) => probe.late.some(([a, b]: [number, number]) => s < b && s + d > a)).reduce((a, [, d]) => a + d, 0);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const sorted = [...added].sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))]!;
  const S = probe.samples as any[];
  const spaceNames = Object.keys(S[0].sp);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`\nsteady state, ${n} connections, upstream ${delayMs || values['delay-ms']} ms, ${ms} ms window: ${added.length} answers, ${failed} failed; added p50 ${pct(50).toFixed(1)} p99 ${pct(99).toFixed(1)} max ${sorted.at(-1)?.toFixed(0)} ms (this process's gate and load share a core)`);
  console.log(`  gateway event-loop delay: p50 ${probe.lag[50].toFixed(1)} p90 ${probe.lag[90].toFixed(1)} p99 ${probe.lag[99].toFixed(1)} p99.9 ${probe.lag[99.9].toFixed(1)} max ${probe.lag.max.toFixed(0)} ms`);
  const gcs = probe.gcs as [number, number, string][];
  const kinds = new Map<string, number[]>();
  for (const [, d, k] of gcs) kinds.set(k, [...(kinds.get(k) ?? []), d]);
  console.log(`  GC pauses: ${[...kinds].map(([k, d]) => `${k} ×${d.length} total ${d.reduce((a, b) => a + b, 0).toFixed(0)} ms, p50 ${med(d).toFixed(1)} max ${Math.max(...d).toFixed(1)} ms`).join('; ')}`);
  const lateTotal = (probe.late as [number, number][]).reduce((a, [x, y]) => a + y - x, 0);
  console.log(`  loop late > 5 ms: ${probe.late.length} times, ${lateTotal.toFixed(0)} ms in all; GC pauses overlapping them ${gcInLate.toFixed(0)} ms`);
  if (values.profile) console.log('  ran while late, by leaf frame (ms):', [...lateMs].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  if (values.profile) console.log('  ... by innermost gateway frame (ms):', [...lateOwn].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  console.log(`  memory under load (median of ${S.length} samples, MiB) vs the live heap after a forced GC at the end; at rest: RSS ${steadyRest.rssMiB.toFixed(0)}, external ${mib(steadyRest.external)} (arrayBuffers ${mib(steadyRest.arrayBuffers)}), spaces ${Object.entries(steadyRest.spaces!).filter(([, v]) => v[1] > 0).map(([k, v]) => `${k} ${mib(v[0])}/${mib(v[1])}`).join(', ')}:`);
  console.log(`    RSS ${mib(med(S.map((x) => x.rss)))} (per connection over rest ${((med(S.map((x) => x.rss)) / 2 ** 20 - steadyRest.rssMiB) * 1024 / n).toFixed(1)} KiB); heapTotal ${mib(med(S.map((x) => x.heapTotal)))}, heapUsed ${mib(med(S.map((x) => x.heapUsed)))} (live after GC ${mib(live.heapUsed)}, at rest ${mib(steadyRest.heapUsed)}); external ${mib(med(S.map((x) => x.external)))} (arrayBuffers ${mib(med(S.map((x) => x.arrayBuffers)))}); RSS after the forced GC ${live.rssMiB.toFixed(0)}, at the window's start ${rss0.toFixed(0)}`);
  console.log(`    spaces used/committed: ${spaceNames.map((sn) => `${sn} ${mib(med(S.map((x) => x.sp[sn][0])))}/${mib(med(S.map((x) => x.sp[sn][1])))}`).join(', ')}`);
  // With BENCH_GATEWAY_NODE_FLAGS=--trace-gc-nvp and INFLIGHT_GW_LOG: what the scavenger copied and promoted per answer in the window.
  if (process.env.INFLIGHT_GW_LOG) {
    await new Promise((r) => setTimeout(r, 200));
    let copied = 0;
    let promoted = 0;
    let allocated = 0;
    let scavenges = 0;
    for (const line of readFileSync(process.env.INFLIGHT_GW_LOG, 'utf8').split('\n')) {
      const m = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: pause=.*gc=s /.exec(line);
      if (!m || Number(m[1]) < pn0 || Number(m[1]) > pnEnd) continue;
      scavenges++;
      copied += Number(/new_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
      allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
      promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    }
    if (scavenges) console.log(`  scavenger (trace-gc-nvp): ${scavenges} scavenges; per answer allocated ${(allocated / 1024 / added.length).toFixed(1)} KiB, kept in the young generation ${(copied / 1024 / added.length).toFixed(1)} KiB, promoted to old space ${(promoted / 1024 / added.length).toFixed(1)} KiB`);
  }
  const cpuS = (probe.cpu.user + probe.cpu.system) / 1e6 - cpuBefore;
  console.log(`    gateway CPU over the window ≈ ${(cpuS / (ms / 1000)).toFixed(2)} cores, ${((cpuS * 1e6) / Math.max(1, added.length)).toFixed(0)} µs per answer`);
  await new Promise((r) => setTimeout(r, 1500));
}

let cpuBefore = 0;
const steadyRest = await processState();
for (const n of (values.steady as string).split(',').filter(Boolean).map(Number)) {
  await steadyLevel(n, Number(values['steady-ms']));
}

ws.close();
await stopAll();
await real.close();
gate.close();
gate.closeAllConnections();
upstreamAgent.destroy();
process.exit(0);
