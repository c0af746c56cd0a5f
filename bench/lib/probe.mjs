// Preloaded into a profiled gateway (node --import bench/lib/probe.mjs): records
// every event-loop block longer than BENCH_PROBE_BLOCK_MS (default 40) with its
// start and end on the monotonic clock (µs, the clock of --cpu-prof samples),
// and writes them to BENCH_PROBE_FILE at exit.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PROBE_FILE;
const threshold = Number(process.env.BENCH_PROBE_BLOCK_MS ?? 40) * 1000;
const blocks = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
let last = nowUs();
const timer = setInterval(() => {
  const t = nowUs();
  if (t - last > threshold) blocks.push([last, t]);
  last = t;
}, 5);
timer.unref();
process.on('exit', () => {
  if (file) writeFileSync(file, JSON.stringify({ blocks }));
});
