// ClientGone: aborted only when the response closes unfinished, and its signal
// (made on first read) aborted whether it was read before or after that.
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientGone, fromSignal } from '../../src/cancellation.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/**
 * A server whose one request is handed to `handle` with `leave`, which makes the client go
 * away (the handler decides when, so nothing races the clock).
 */
async function exchange(handle: (res: ServerResponse, leave: () => void) => Promise<void>): Promise<void> {
  let done!: () => void;
  const handled = new Promise<void>((r) => (done = r));
  let leave!: () => void;
  const server = createServer((_req, res) => void handle(res, leave).finally(done));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => server.close();
  const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/' });
  leave = () => req.destroy();
  req.on('error', () => {});
  req.on('response', (res) => res.resume());
  req.end();
  await handled;
}

/** Resolves when the response has closed (the client left or the answer finished). */
const closed = (res: ServerResponse) => new Promise((r) => (res.closed ? r(undefined) : res.once('close', r)));

describe('ClientGone', () => {
  it('aborts a signal read before the client leaves', async () => {
    await exchange(async (res, leave) => {
      const gone = new ClientGone(res);
      const signal = gone.signal;
      expect(signal.aborted).toBe(false);
      const aborted = new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      leave();
      await aborted;
      expect([gone.aborted, (signal.reason as Error).message]).toEqual([true, 'client disconnected']);
    });
  });

  it('hands out an aborted signal when first read after the client left', async () => {
    await exchange(async (res, leave) => {
      const gone = new ClientGone(res);
      leave();
      await closed(res);
      expect(gone.signal.aborted).toBe(true);
    });
  });

  it('calls onAbort listeners once when the client leaves, not those taken off', async () => {
    await exchange(async (res, leave) => {
      const gone = new ClientGone(res);
      const heard: unknown[] = [];
      gone.onAbort((r) => heard.push(r));
      const off = gone.onAbort(() => heard.push('removed'));
      off();
      leave();
      await closed(res);
      gone.onAbort(() => heard.push('too late'));
      expect(heard).toHaveLength(1);
      expect((heard[0] as Error).message).toBe('client disconnected');
    });
  });

  it('stays unaborted when the answer was finished', async () => {
    await exchange(async (res) => {
      const gone = new ClientGone(res);
      res.end('ok');
      await closed(res);
      expect([gone.aborted, gone.signal.aborted]).toEqual([false, false]);
    });
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
