// Runs at most `concurrency` tasks at once and lets at most `maxQueued` wait; past that a
// task is refused at once (503 with Retry-After) instead of piling up on the database pool.
import { GatewayError } from '../errors.js';

export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly what: string,
  ) {}

  get stats() {
    return { running: this.running, queued: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        throw new GatewayError('SERVICE_UNAVAILABLE', `Too many ${this.what} in progress; retry shortly`, { retryAfter: 1 });
      }
      // The slot is handed over by the task that finishes (running stays counted).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
