// Whether the caller of a request has gone away. The AbortSignal is made only when
// something is about to wait on it: most requests (a cache hit, a rejected body) never
// need one.
import type { ServerResponse } from 'node:http';

export interface Cancellation {
  /** True once the caller is gone; reading it makes no signal. */
  readonly aborted: boolean;
  /** Aborted when the caller goes away (made on first read). */
  readonly signal: AbortSignal;
  /**
   * Calls listener with the reason if the caller goes away from now on (not if it is gone
   * already); makes no signal. The returned function takes the listener off.
   */
  onAbort(listener: (reason: unknown) => void): () => void;
}

/** An HTTP response's client: gone when the response closes before it was finished. */
export class ClientGone implements Cancellation {
  private controller: AbortController | null = null;
  private reason: Error | null = null;
  private listeners: ((reason: unknown) => void)[] = [];

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (res.writableFinished) return;
      const reason = (this.reason = new Error('client disconnected'));
      this.controller?.abort(reason);
      const listeners = this.listeners;
      this.listeners = [];
      for (const l of listeners) l(reason);
    });
  }

  get aborted() {
    return this.reason !== null;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    if (!this.reason) this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

/** A Cancellation over a signal that exists already, or that `get` makes when first asked. */
export function fromSignal(get: () => AbortSignal): Cancellation {
  let signal: AbortSignal | undefined;
  const read = () => (signal ??= get());
  return {
    get aborted() {
      return read().aborted;
    },
    get signal() {
      return read();
    },
    onAbort(listener) {
      const s = read();
      const onAbort = () => listener(s.reason);
      s.addEventListener('abort', onAbort, { once: true });
      return () => s.removeEventListener('abort', onAbort);
    },
  };
}
