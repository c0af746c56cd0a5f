// Streaming overhead and capacity. The mock upstream streams one word every
// chunk interval; compared: the mock directly, the gateway's SSE (POST
// /api/ai/stream, no_cache), graphql-ws (subscription streamCompletion, cache
// off) and, for time to first chunk, Portkey's SSE pass-through.
//   node --import tsx bench/streaming.ts [--quick] [--rounds 5] [--levels 100,250,500,1000,1500]
//     [--slow-levels 500,1000,1500,2000] [--chunk-delay-ms 20] [--slow-chunk-delay-ms 100]
//     [--slow-ramp-ms 5000] [--slow-hold-ms 8000]
// The fast ramp (20 ms chunks) starts its streams within 1 s and holds each ~2.4 s: a test of
// chunk throughput and of bursts of starts. The slow ramp (100 ms chunks) asks how many streams
// the gateway holds at once: starts spread over 5 s, each stream ~8 s, so that every stream of
// a level overlaps all others without 1,000 new streams a second being the test
// (--slow-ramp-ms 1000 --slow-hold-ms 2400 gives the burst version).
import { benchArgs, listArg, numberArg, sleep } from './lib/args.js';
import { cpuSeconds } from './lib/proc.js';
import { runBench } from './lib/run.js';
import { mockProviderEnv, startGateway, startMock, startPortkey, type Gateway, type Mock } from './lib/servers.js';
import { median } from './lib/stats.js';
import { holdStreams, mockSpec, portkeySpec, sseSpec, wsSpec, type StreamSpec, type StreamStats } from './lib/streams.js';
import { printTable } from './lib/table.js';

const args = benchArgs({
  rounds: { type: 'string' }, levels: { type: 'string' }, 'slow-levels': { type: 'string' },
  'chunk-delay-ms': { type: 'string' }, 'slow-chunk-delay-ms': { type: 'string' }, 'no-portkey': { type: 'boolean' },
  'slow-ramp-ms': { type: 'string' }, 'slow-hold-ms': { type: 'string' },
});
const interval = numberArg(args, 'chunk-delay-ms', 20);
const slowInterval = numberArg(args, 'slow-chunk-delay-ms', 100);
const rounds = numberArg(args, 'rounds', args.quick ? 2 : 5);
const levels = listArg(args, 'levels', args.quick ? [100, 500] : [100, 250, 500, 1000, 1500]);
const slowLevels = listArg(args, 'slow-levels', args.quick ? [500, 1000] : [500, 1000, 1500, 2000]);
const TTFC_STREAMS = 8;
const TTFC_TOKENS = 50;
const TARGET_STREAMS = 1000;
/** Each stream of the fast capacity ramp lasts about 2.4 s, starts spread over 1 s (also in --quick: shorter streams would not overlap). */
const HOLD_MS = 2_400;
const RAMP_MS = 1_000;
const SLOW_RAMP_MS = numberArg(args, 'slow-ramp-ms', 5_000);
const SLOW_HOLD_MS = numberArg(args, 'slow-hold-ms', 8_000);

const gatewayEnv = (mock: Mock) => ({ ...mockProviderEnv(mock), ANALYTICS_ENABLED: 'true', MAX_CONCURRENT_STREAMS: '100000', MAX_STREAMS_PER_USER: '100000' });

interface Level extends StreamStats {
  serverCpuCores: number;
  /** The issue's definition: every stream complete, no gap between chunks over 10 intervals, and the streams really overlapped. */
  held: boolean;
  ttfcWithin10Intervals: boolean;
}

/** Ramps up concurrent streams per target until one level is not held. */
async function capacity(specs: StreamSpec[], chunkMs: number, ns: number[], pids: Record<string, number>, rampMs: number, holdMs: number): Promise<{ levels: Record<string, Level[]>; most: Record<string, number> }> {
  const stallMs = 10 * chunkMs;
  const tokens = Math.max(10, Math.round(holdMs / chunkMs));
  const out: Record<string, Level[]> = Object.fromEntries(specs.map((s) => [s.id, []]));
  const most: Record<string, number> = Object.fromEntries(specs.map((s) => [s.id, 0]));
  const done = new Set<string>();
  for (const n of ns) {
    for (const s of specs) {
      if (done.has(s.id)) continue;
      await sleep(1_000);
      await s.prepare(n);
      const pid = pids[s.id]!;
      const c0 = cpuSeconds(pid);
      const t0 = performance.now();
      const r = await holdStreams(s, { streams: n, rampMs, maxTokens: tokens, stallMs, timeoutMs: rampMs + (tokens + 3) * chunkMs + 60_000 });
      const cores = (cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
      const held = r.failed === 0 && r.short === 0 && r.stalled === 0 && r.peakConcurrent >= 0.95 * n;
      const level: Level = { ...r, serverCpuCores: cores, held, ttfcWithin10Intervals: r.ttfc.p99 <= stallMs };
      out[s.id]!.push(level);
      process.stderr.write(`  ${chunkMs} ms ${String(n).padStart(5)} ${s.id.padEnd(11)} ${held ? 'held' : 'NOT held'}: peak concurrent ${r.peakConcurrent}, stalled ${r.stalled} (longest gap at chunk p50 ${r.stallAtChunk.p50}), failed ${r.failed}, short ${r.short}, gap p50 ${r.gap.p50.toFixed(1)} p99 ${r.gap.p99.toFixed(1)} max ${r.maxGapMs.toFixed(0)} ms, TTFC p50 ${r.ttfc.p50.toFixed(0)} p99 ${r.ttfc.p99.toFixed(0)} ms, server CPU ${cores.toFixed(2)}, client lag ${r.clientMaxLagMs.toFixed(0)} ms${r.firstError ? ` (${r.firstError})` : ''}\n`);
      if (held) most[s.id] = n;
      else done.add(s.id);
    }
  }
  return { levels: out, most };
}

function capacityTable(title: string, specs: StreamSpec[], levels: Record<string, Level[]>, stallMs: number) {
  printTable(title,
    ['target', 'streams', 'held', 'peak concurrent', 'stalled streams', 'failed', 'gap p50', 'gap p99', 'max gap', 'TTFC p50', 'TTFC p99', `TTFC p99 <= ${stallMs}`, 'server CPU (cores)', 'client lag max'],
    specs.flatMap((s) => levels[s.id]!.map((r) => [s.label, r.streams, r.held, r.peakConcurrent, r.stalled, r.failed, r.gap.p50, r.gap.p99, r.maxGapMs, r.ttfc.p50, r.ttfc.p99, r.ttfcWithin10Intervals, r.serverCpuCores, r.clientMaxLagMs])));
}

await runBench('streaming', async () => {
  const mock = await startMock({ chunkDelayMs: interval, chunks: 100_000 });
  const gw = await startGateway({ name: 'gateway', env: gatewayEnv(mock) });
  const token = await gw.token();
  let portkeyError: string | undefined;
  const pk = args.values['no-portkey'] ? null : await startPortkey().catch((e: Error) => ((portkeyError = e.message), null));
  const specs: StreamSpec[] = [mockSpec(mock), sseSpec(gw, token), wsSpec(gw, token)];
  if (pk) specs.push(portkeySpec(pk, mock));

  // Each target must stream a full answer before it is measured; Portkey is dropped if it cannot.
  for (const s of [...specs]) {
    const r = await holdStreams(s, { streams: 1, rampMs: 0, maxTokens: 5, timeoutMs: 10_000 });
    if (r.failed || r.short) {
      const msg = `${s.label} does not stream: ${r.firstError ?? `${r.short} short streams`}`;
      if (s.id !== 'portkey') throw new Error(msg);
      portkeyError = msg;
      specs.splice(specs.indexOf(s), 1);
      console.error(msg);
    }
  }

  // 1. Added time to first chunk and gap between chunks, at light load.
  process.stderr.write(`time to first chunk: ${rounds} rounds of ${TTFC_STREAMS} streams x ${TTFC_TOKENS + 1} chunks per target\n`);
  // Warm-up: graphql-ws in particular needs a few streams before its path is compiled.
  for (let i = 0; i < 3; i++) for (const s of specs) await holdStreams(s, { streams: TTFC_STREAMS, rampMs: interval, maxTokens: 10 });
  const light: Record<string, StreamStats[]> = Object.fromEntries(specs.map((s) => [s.id, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const s of specs) {
      await s.prepare(TTFC_STREAMS);
      const r = await holdStreams(s, { streams: TTFC_STREAMS, rampMs: interval, maxTokens: TTFC_TOKENS, stallMs: 10 * interval });
      light[s.id]!.push(r);
      process.stderr.write(`  round ${round} ${s.id.padEnd(11)} ttfc p50 ${r.ttfc.p50.toFixed(2)} p99 ${r.ttfc.p99.toFixed(2)} gap p50 ${r.gap.p50.toFixed(2)} p99 ${r.gap.p99.toFixed(2)} max ${r.maxGapMs.toFixed(1)} ms${r.failed ? ` failed ${r.failed}: ${r.firstError}` : ''}\n`);
    }
  }
  const m = (id: string, f: (r: StreamStats) => number) => median(light[id]!.map(f));
  const added = (id: string, f: (r: StreamStats) => number) => median(light[id]!.map((r, i) => f(r) - f(light.direct![i]!)));
  const lightRows = specs.map((s) => ({
    id: s.id,
    label: s.label,
    ttfcP50: m(s.id, (r) => r.ttfc.p50),
    ttfcP99: m(s.id, (r) => r.ttfc.p99),
    addedTtfcP50: s.id === 'direct' ? 0 : added(s.id, (r) => r.ttfc.p50),
    addedTtfcP99: s.id === 'direct' ? 0 : added(s.id, (r) => r.ttfc.p99),
    gapP50: m(s.id, (r) => r.gap.p50),
    gapP99: m(s.id, (r) => r.gap.p99),
    addedGapP50: s.id === 'direct' ? 0 : added(s.id, (r) => r.gap.p50),
    addedGapP99: s.id === 'direct' ? 0 : added(s.id, (r) => r.gap.p99),
    failed: light[s.id]!.reduce((n, r) => n + r.failed, 0),
  }));
  if (pk) await pk.stop();

  // 2. Concurrent streams held without a stall, at the same chunk interval.
  const rampSpecs = specs.filter((s) => s.id !== 'portkey');
  process.stderr.write(`capacity, chunk every ${interval} ms: levels ${levels.join(',')}\n`);
  const fast = await capacity(rampSpecs, interval, levels, { direct: mock.proc.pid, sse: gw.proc.pid, 'graphql-ws': gw.proc.pid }, RAMP_MS, HOLD_MS);
  for (const s of specs) await s.close();
  await gw.stop();
  await mock.stop();

  // 3. The same at a slower chunk interval: how many streams the gateway holds when chunk throughput is not the limit.
  const slowMock = await startMock({ chunkDelayMs: slowInterval, chunks: 100_000 });
  const slowGw: Gateway = await startGateway({ name: 'gateway (slow stream)', env: gatewayEnv(slowMock) });
  const slowToken = await slowGw.token();
  const slowSpecs = [mockSpec(slowMock), sseSpec(slowGw, slowToken), wsSpec(slowGw, slowToken)];
  for (let i = 0; i < 2; i++) for (const s of slowSpecs) await holdStreams(s, { streams: TTFC_STREAMS, rampMs: slowInterval, maxTokens: 3 });
  process.stderr.write(`capacity, chunk every ${slowInterval} ms: levels ${slowLevels.join(',')}\n`);
  const slow = await capacity(slowSpecs, slowInterval, slowLevels, { direct: slowMock.proc.pid, sse: slowGw.proc.pid, 'graphql-ws': slowGw.proc.pid }, SLOW_RAMP_MS, SLOW_HOLD_MS);
  for (const s of slowSpecs) await s.close();

  const targetsMet = {
    [`SSE holds ${TARGET_STREAMS} streams, chunk every ${interval} ms`]: (fast.most.sse ?? 0) >= TARGET_STREAMS,
    [`graphql-ws holds ${TARGET_STREAMS} streams, chunk every ${interval} ms`]: (fast.most['graphql-ws'] ?? 0) >= TARGET_STREAMS,
    [`SSE holds ${TARGET_STREAMS} streams, chunk every ${slowInterval} ms`]: (slow.most.sse ?? 0) >= TARGET_STREAMS,
    [`graphql-ws holds ${TARGET_STREAMS} streams, chunk every ${slowInterval} ms`]: (slow.most['graphql-ws'] ?? 0) >= TARGET_STREAMS,
  };

  printTable(`Time to first chunk and gap between chunks (${TTFC_STREAMS} concurrent streams, chunk every ${interval} ms; median of ${rounds} interleaved rounds, ms)`,
    ['target', 'TTFC p50', 'TTFC p99', 'added TTFC p50', 'added TTFC p99', 'gap p50', 'gap p99', 'added gap p50', 'added gap p99', 'failed'],
    lightRows.map((r) => [r.label, r.ttfcP50, r.ttfcP99, r.id === 'direct' ? null : r.addedTtfcP50, r.id === 'direct' ? null : r.addedTtfcP99, r.gapP50, r.gapP99,
      r.id === 'direct' ? null : r.addedGapP50, r.id === 'direct' ? null : r.addedGapP99, r.failed]));
  const holdNote = (ms: number) => `held = all complete, no gap > ${10 * ms} ms, >= 95% really concurrent`;
  capacityTable(`Concurrent streams, chunk every ${interval} ms (connections opened ahead, starts spread over 1 s, ~${HOLD_MS} ms each; ${holdNote(interval)})`, rampSpecs, fast.levels, 10 * interval);
  capacityTable(`Concurrent streams, chunk every ${slowInterval} ms (connections opened ahead, starts spread over ${SLOW_RAMP_MS / 1000} s, ~${SLOW_HOLD_MS} ms each; ${holdNote(slowInterval)})`, slowSpecs, slow.levels, 10 * slowInterval);
  printTable('Most concurrent streams held', ['target', `chunk every ${interval} ms`, `chunk every ${slowInterval} ms`],
    rampSpecs.map((s) => [s.label, fast.most[s.id], slow.most[s.id]]));
  if (portkeyError) console.log(`Portkey streaming: ${portkeyError}`);

  return {
    setup: {
      pinning: 'gateway and Portkey on core 0; mock upstream and stream clients on core 1',
      chunkIntervalMs: interval, slowChunkIntervalMs: slowInterval, rounds, ttfcStreams: TTFC_STREAMS, ttfcChunks: TTFC_TOKENS + 1, levels, slowLevels, holdMs: HOLD_MS, rampMs: RAMP_MS, slowRampMs: SLOW_RAMP_MS, slowHoldMs: SLOW_HOLD_MS,
      gateway: 'ANALYTICS_ENABLED=true, MAX_CONCURRENT_STREAMS=MAX_STREAMS_PER_USER=100000; SSE with no_cache, graphql-ws with cache {read:false, write:false}',
    },
    light: lightRows, held: { [interval]: fast.most, [slowInterval]: slow.most }, targetsMet, portkeyError, raw: { light, fast: fast.levels, slow: slow.levels },
  };
});
