// ClientGone: aborted only when the response closes unfinished, and its signal
// (made on first read) aborted whether it was read before or after that.
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientGone, fromSignal } from '../../src/cancellation.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A server whose one request is handed to `handle`; the client leaves after `leaveAfterMs` unless null. */
async function exchange(handle: (res: ServerResponse) => Promise<void>, leaveAfterMs: number | null): Promise<void> {
  let done!: () => void;
  const handled = new Promise<void>((r) => (done = r));
  const server = createServer((_req, res) => void handle(res).finally(done));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => server.close();
  const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/' });
  req.on('error', () => {});
  req.on('response', (res) => res.resume());
  req.end();
  if (leaveAfterMs !== null) setTimeout(() => req.destroy(), leaveAfterMs);
  await handled;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ClientGone', () => {
  it('aborts a signal read before the client leaves', async () => {
    await exchange(async (res) => {
      const gone = new ClientGone(res);
      const signal = gone.signal;
      expect(signal.aborted).toBe(false);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      expect([gone.aborted, (signal.reason as Error).message]).toEqual([true, 'client disconnected']);
    }, 20);
  });

  it('hands out an aborted signal when first read after the client left', async () => {
    await exchange(async (res) => {
      const gone = new ClientGone(res);
      while (!gone.aborted) await tick(5);
      expect(gone.signal.aborted).toBe(true);
    }, 20);
  });

  it('calls onAbort listeners once when the client leaves, not those taken off', async () => {
    await exchange(async (res) => {
      const gone = new ClientGone(res);
      const heard: unknown[] = [];
      gone.onAbort((r) => heard.push(r));
      const off = gone.onAbort(() => heard.push('removed'));
      off();
      while (!gone.aborted) await tick(5);
      gone.onAbort(() => heard.push('too late'));
      expect(heard).toHaveLength(1);
      expect((heard[0] as Error).message).toBe('client disconnected');
    }, 20);
  });

  it('stays unaborted when the answer was finished', async () => {
    await exchange(async (res) => {
      const gone = new ClientGone(res);
      res.end('ok');
      await tick(30);
      expect([gone.aborted, gone.signal.aborted]).toEqual([false, false]);
    }, null);
  });
});

describe('fromSignal', () => {
  it('asks for the signal once, and only when read', () => {
    let made = 0;
    const controller = new AbortController();
    const c = fromSignal(() => (made++, controller.signal));
    expect(made).toBe(0);
    expect(c.aborted).toBe(false);
    controller.abort();
    expect([c.aborted, c.signal.aborted, made]).toEqual([true, true, 1]);
  });

  it('passes the signal reason to onAbort listeners', () => {
    const controller = new AbortController();
    const c = fromSignal(() => controller.signal);
    const heard: unknown[] = [];
    c.onAbort((r) => heard.push(r));
    const off = c.onAbort(() => heard.push('removed'));
    off();
    controller.abort('why');
    expect(heard).toEqual(['why']);
  });
});
