// Runs a job of test/helpers/text-paths-worker.ts in a worker under a hard CPU-time deadline:
// the worker is ended as soon as the run has used CPU_DEADLINE_MS of CPU time (the process's,
// sampled while it runs). CPU time rather than wall time, so that other processes competing for
// the machine do not count against the job. A bound, not a measurement.
import { Worker } from 'node:worker_threads';

export const CPU_DEADLINE_MS = 1_000;
const WATCHDOG_INTERVAL_MS = 20;

type Reply = { ready: true } | { started: true } | { done: true } | { error: string };

let worker: Worker | null = null;

/** A worker that has loaded every module and run every job once on a short text. */
async function warmWorker(): Promise<Worker> {
  const w = new Worker(new URL('./text-paths-worker.mjs', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.once('message', (reply: Reply) => ('ready' in reply ? resolve() : reject(new Error(JSON.stringify(reply)))));
    w.postMessage({ warmUp: true });
  });
  return w;
}

/** 'done', or 'deadline' when the job used more than CPU_DEADLINE_MS of CPU (the worker is then replaced). */
export async function runUnderCpuDeadline(job: string, input: string, size: number): Promise<'done' | 'deadline'> {
  worker ??= await warmWorker();
  const w = worker;
  const outcome = await new Promise<'done' | 'deadline'>((resolve, reject) => {
    let watchdog: NodeJS.Timeout | undefined;
    const finish = (result: 'done' | 'deadline' | Error) => {
      clearInterval(watchdog);
      w.off('message', onMessage);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onMessage = (reply: Reply) => {
      if ('started' in reply) {
        const start = process.cpuUsage();
        watchdog = setInterval(() => {
          const used = process.cpuUsage(start);
          if ((used.user + used.system) / 1000 > CPU_DEADLINE_MS) finish('deadline');
        }, WATCHDOG_INTERVAL_MS);
      } else finish('error' in reply ? new Error(reply.error) : 'done');
    };
    w.on('message', onMessage);
    w.postMessage({ path: job, input, size });
  });
  if (outcome === 'deadline') {
    worker = null;
    await w.terminate();
  }
  return outcome;
}

export async function closeDeadlineWorker(): Promise<void> {
  await worker?.terminate();
  worker = null;
}
