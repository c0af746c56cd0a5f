// The frame of every bench script: pin to the load core, wait for a quiet machine
// (bounded), watch other processes' CPU use, write the result, stop every child.
import { pinSelf, stopAll } from './proc.js';
import { loadAverage, noiseMonitor, waitForQuiet } from './quiet.js';
import { writeResult } from './results.js';

export async function runBench(name: string, body: () => Promise<Record<string, unknown>>): Promise<void> {
  pinSelf();
  const maxWait = Number(process.env.BENCH_QUIET_WAIT_MS ?? 15_000);
  const atStart = maxWait > 0 ? await waitForQuiet(maxWait) : { waitedMs: 0, foreignCores: NaN };
  const monitor = noiseMonitor();
  const loadBefore = loadAverage();
  let failed = false;
  try {
    const data = await body();
    const noise = { ...monitor.stop(), atStart, loadAverageBefore: loadBefore, loadAverageAfter: loadAverage() };
    console.log(noise.samples ? `\nother processes used ${noise.foreignCoresMean} cores on average (max ${noise.foreignCoresMax}) during this run` : '');
    writeResult(name, { ...data, noise });
  } catch (e) {
    failed = true;
    console.error(e);
  } finally {
    await stopAll();
  }
  process.exit(failed ? 1 : 0);
}
