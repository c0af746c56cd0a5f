import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/auth/work-queue.js';
import { GatewayError } from '../../src/errors.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('WorkQueue', () => {
  it('runs at most `concurrency` tasks, queues up to maxQueued and refuses the rest with 503 + Retry-After', async () => {
    const q = new WorkQueue(2, 3, 'logins');
    const g = gate();
    let active = 0;
    let peak = 0;
    const task = async () => {
      active++;
      peak = Math.max(peak, active);
      await g.opened;
      active--;
      return 'ok';
    };
    const accepted = Array.from({ length: 5 }, () => q.run(task));
    expect(q.stats).toEqual({ running: 2, queued: 3 });
    const refused = await q.run(task).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: 1 });
    g.open();
    expect(await Promise.all(accepted)).toEqual(Array(5).fill('ok'));
    expect(peak).toBe(2);
    expect(q.stats).toEqual({ running: 0, queued: 0 });
  });

  it('frees the slot of a task that fails', async () => {
    const q = new WorkQueue(1, 0, 'logins');
    await expect(q.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run(async () => 1)).toBe(1);
    expect(q.stats).toEqual({ running: 0, queued: 0 });
  });
});
