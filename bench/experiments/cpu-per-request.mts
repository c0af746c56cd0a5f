// The gateway's CPU time per completion on the default REST miss path: the gateway as `npm start`
// runs it (dist build, NODE_ENV=production, defaults: embedded database, cache on, analytics on)
// against the provider-like upstream (0 ms), a fixed number of unique-prompt requests (every one a
// cache miss) at a fixed concurrency, and the gateway's utime+stime from /proc/<pid>/stat over
// them, divided by the requests. The CPU the round leaves behind (the recorder's flush) is counted:
// each round ends when the gateway has gone idle. Median and spread of several rounds. CPU per
// request barely moves with other processes' load, unlike req/s.
// With --base <checkout>, that checkout's gateway runs beside this one's and the rounds alternate
// (A B A B ...), so both see the same machine; --base-env alone runs this checkout twice, the
// second with those variables (e.g. ENABLE_CACHING=false: what the cache costs). With --together
// the two are loaded at the same time (each with its own connections, both on the server core)
// instead of in turn: whatever else the machine does then weighs on both alike, which makes the
// per-round difference far steadier on a busy machine.
//   node --import tsx bench/experiments/cpu-per-request.mts [--requests 4000] [--rounds 7]
//     [--connections 8] [--warmup 3000] [--env NAME=value,...]
//     [--base /path/to/other/checkout] [--base-env NAME=value,...] [--together]
import { benchArgs, numberArg, sleep } from '../lib/args.js';
import { buildRequest, closedLoop, UniqueRequests } from '../lib/http-load.js';
import { auth, PROMPT, restBody } from '../lib/payloads.js';
import { cpuSeconds, pinSelf, ROOT, stopAll } from '../lib/proc.js';
import { mockProviderEnv, startGateway, type Gateway } from '../lib/servers.js';
import { startUpstream } from '../lib/upstream.js';

const args = benchArgs({ requests: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, warmup: { type: 'string' }, base: { type: 'string' }, env: { type: 'string' }, 'base-env': { type: 'string' }, together: { type: 'boolean' } });
const requests = numberArg(args, 'requests', 4000);
const rounds = numberArg(args, 'rounds', 7);
const connections = numberArg(args, 'connections', 8);
const warmup = numberArg(args, 'warmup', 3000);
const envArg = (name: string): Record<string, string> =>
  Object.fromEntries(
    (typeof args.values[name] === 'string' ? (args.values[name] as string) : '').split(',').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
const extraEnv = envArg('env');
const baseEnv = envArg('base-env');
const base = typeof args.values.base === 'string' ? args.values.base : Object.keys(baseEnv).length ? ROOT : undefined;

/** CPU seconds of pid once it has gone idle (two 100 ms samples in a row with no CPU used; at most 3 s). */
async function cpuWhenIdle(pid: number): Promise<number> {
  let last = cpuSeconds(pid);
  let quiet = 0;
  for (let i = 0; i < 30 && quiet < 2; i++) {
    await sleep(100);
    const now = cpuSeconds(pid);
    quiet = now - last < 0.002 ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

interface Target {
  name: string;
  gw: Gateway;
  next: () => Buffer;
  us: number[];
}

/** One round over `ts` loaded at the same time: each one's CPU µs per request. */
async function round(ts: Target[], n: number): Promise<number[]> {
  const c0 = await Promise.all(ts.map((t) => cpuWhenIdle(t.gw.proc.pid)));
  const rs = await Promise.all(ts.map((t) => closedLoop({ url: t.gw.url, requests: t.next, connections, durationMs: 600_000, maxRequests: n })));
  rs.forEach((r, i) => {
    if (r.errors > 0) throw new Error(`${ts[i]!.name}: ${r.errors} errors, first: ${r.firstError}`);
  });
  const c1 = await Promise.all(ts.map((t) => cpuWhenIdle(t.gw.proc.pid)));
  return rs.map((r, i) => ((c1[i]! - c0[i]!) * 1e6) / r.completed);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

pinSelf();
try {
  const upstream = await startUpstream();
  const env = { ...mockProviderEnv(upstream), ...extraEnv };
  const targets: Target[] = [];
  for (const [name, root] of [['this', ROOT], ...(base ? [['base', base]] : [])] as [string, string][]) {
    const gw = await startGateway({ name: `gateway (${name})`, root, env: name === 'base' ? { ...env, ...baseEnv } : env });
    const headers = auth(await gw.token());
    const next = new UniqueRequests((p) => buildRequest('POST', `${gw.url}/api/ai/openai`, headers, restBody(p)), PROMPT).next;
    targets.push({ name, gw, next, us: [] });
  }
  const together = args.values.together === true;
  await round(targets, warmup);
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [...targets].reverse() : targets;
    for (const group of together ? [order] : order.map((t) => [t])) {
      const us = await round(group, requests);
      group.forEach((t, j) => {
        t.us.push(us[j]!);
        console.log(`round ${i + 1} ${t.name}: ${us[j]!.toFixed(0)} µs CPU/request`);
      });
    }
  }
  console.log(`\n${requests} unique-prompt REST requests per round, ${connections} connections${together ? ' to each gateway, both loaded together' : ''}, ${rounds} rounds (after ${warmup} warm-up requests)`);
  for (const t of targets) {
    const s = [...t.us].sort((a, b) => a - b);
    console.log(`${t.name.padEnd(5)} median ${median(t.us).toFixed(0)} µs CPU/request (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)})`);
  }
  if (targets.length === 2) {
    const [a, b] = targets as [Target, Target];
    const diffs = a.us.map((x, i) => x - b.us[i]!);
    console.log(`this - base, per round pair: median ${median(diffs).toFixed(0)} µs (${diffs.map((d) => d.toFixed(0)).join(', ')})`);
  }
} finally {
  await stopAll();
}
process.exit(0);
