// Preloaded into a profiled gateway (node --import bench/lib/probe.mjs): records every
// event-loop block longer than BENCH_PROBE_BLOCK_MS (default 40) with its start and end on the
// monotonic clock (µs, the clock of --cpu-prof samples), and once a second the event-loop delay
// (monitorEventLoopDelay: p50, p99, max, in ms) of that second; writes both to BENCH_PROBE_FILE
// at exit.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

// Worker threads (the embedded database's) inherit the flag: only the main thread is measured.
if (isMainThread) {
  const file = process.env.BENCH_PROBE_FILE;
  const threshold = Number(process.env.BENCH_PROBE_BLOCK_MS ?? 40) * 1000;
  const blocks = [];
  const seconds = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let last = nowUs();
  const timer = setInterval(() => {
    const t = nowUs();
    if (t - last > threshold) blocks.push([last, t]);
    last = t;
  }, 5);
  timer.unref();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const perSecond = setInterval(() => {
    if (delay.count > 0) seconds.push({ atUs: nowUs(), p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
    delay.reset();
  }, 1000);
  perSecond.unref();
  process.on('exit', () => {
    if (file) writeFileSync(file, JSON.stringify({ blocks, seconds }));
  });
}
