// The ceiling of the benchmarks' provider-like upstream (bench/lib/provider-upstream.ts), so
// that no benchmark mistakes it for the gateway's limit: the upstream alone on the servers'
// core, the load generator on the other, closed loop at 64 connections, for each kind of answer
// (JSON chunked, JSON with Content-Length, JSON gzip, SSE). Reported: its rate and its own CPU
// per request; 1e6 / (CPU µs per request) is what one core of it serves. The first row is a
// minimal Node server (reads the body, answers "{}") measured the same way: the upstream's cost
// over it is what its realism costs.
//   node --import tsx bench/upstream-ceiling.ts [--quick] [--seconds 3] [--connections 64]
import { benchArgs, numberArg } from './lib/args.js';
import { buildRequest, UniqueRequests } from './lib/http-load.js';
import { openaiBody, PROMPT } from './lib/payloads.js';
import { SERVER_CPU, baseEnv, cpuSeconds, freePort, spawnNode, waitForHttp } from './lib/proc.js';
import { runBench } from './lib/run.js';
import { UPSTREAM_KEY } from './lib/servers.js';
import { describe, interleavedRounds } from './lib/suite.js';
import { printTable } from './lib/table.js';
import { startUpstream, type Upstream } from './lib/upstream.js';

const args = benchArgs({ seconds: { type: 'string' }, connections: { type: 'string' } });
const seconds = numberArg(args, 'seconds', args.quick ? 1 : 3);
const connections = numberArg(args, 'connections', 64);

interface Kind {
  id: string;
  label: string;
  framing: 'chunked' | 'length';
  headers: Record<string, string>;
  stream: boolean;
}

const MINIMAL_SERVER = `require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('{}')); }).listen(Number(process.argv[1]), '127.0.0.1');`;

/** The reference row: a minimal Node HTTP server, its rate and CPU per request. */
async function minimalServer() {
  const port = await freePort();
  const proc = spawnNode({ name: 'minimal-server', args: ['-e', MINIMAL_SERVER, String(port)], env: baseEnv(), cpu: SERVER_CPU });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc);
  const requests = new UniqueRequests((p) => buildRequest('POST', `${url}/v1/chat/completions`, {}, openaiBody(p, 40)), PROMPT).next;
  const target = { id: 'minimal', label: 'minimal Node server (reference)', url, requests };
  await interleavedRounds([target], { rounds: 1, connections, durationMs: 1000, warmupMs: 0 });
  const cpu0 = cpuSeconds(proc.pid);
  const r = (await interleavedRounds([target], { rounds: 1, connections, durationMs: seconds * 1000, warmupMs: 0 }))[target.id]![0]!;
  const cpuUs = ((cpuSeconds(proc.pid) - cpu0) * 1e6) / Math.max(1, r.completed + r.errors);
  await proc.stop();
  return { id: target.id, label: target.label, rps: r.rps, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, cpuUsPerRequest: cpuUs, ceilingPerCore: 1e6 / cpuUs, gzipped: 0 };
}

const KINDS: Kind[] = [
  { id: 'json-chunked', label: 'JSON, chunked', framing: 'chunked', headers: {}, stream: false },
  { id: 'json-length', label: 'JSON, Content-Length', framing: 'length', headers: {}, stream: false },
  { id: 'json-gzip', label: 'JSON, gzip, chunked', framing: 'chunked', headers: { 'accept-encoding': 'gzip, deflate' }, stream: false },
  { id: 'sse', label: 'SSE, 40 tokens at once', framing: 'chunked', headers: {}, stream: true },
];

await runBench('upstream-ceiling', async () => {
  const rows = [await minimalServer()];
  for (const k of KINDS) {
    const up: Upstream = await startUpstream({ framing: k.framing, cpu: SERVER_CPU });
    const headers = { authorization: `Bearer ${UPSTREAM_KEY}`, ...k.headers };
    const requests = new UniqueRequests((p) => buildRequest('POST', `${up.openai}/chat/completions`, headers, openaiBody(p, 40, k.stream)), PROMPT).next;
    const target = { id: k.id, label: k.label, url: up.url, requests };
    await interleavedRounds([target], { rounds: 1, connections, durationMs: 1000, warmupMs: 0 }); // JIT
    const before = await up.counters();
    const r = (await interleavedRounds([target], { rounds: 1, connections, durationMs: seconds * 1000, warmupMs: 0 }))[k.id]![0]!;
    const after = await up.counters();
    const served = after.completions + after.streams - before.completions - before.streams;
    const cpuUs = ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, served);
    rows.push({ id: k.id, label: k.label, rps: r.rps, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, cpuUsPerRequest: cpuUs, ceilingPerCore: 1e6 / cpuUs, gzipped: after.gzipped - before.gzipped });
    process.stderr.write(`  ${k.id}: ${describe(r)}, ${cpuUs.toFixed(1)} µs CPU per request\n`);
    await up.stop();
  }
  printTable(`The upstream alone on core ${SERVER_CPU}, ${connections} connections, ${seconds} s each`, ['answer', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/request', 'x minimal server', 'ceiling req/s per core'],
    rows.map((r) => [r.label, r.rps, r.p50, r.p99, r.errors, r.cpuUsPerRequest, r.cpuUsPerRequest / rows[0]!.cpuUsPerRequest, r.ceilingPerCore]));
  return { setup: { connections, seconds, pinning: `upstream on core ${SERVER_CPU}, load generator on the other` }, rows };
});
