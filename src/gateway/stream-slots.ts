// Concurrent stream limits of this instance, in total and per user, with true counts.
import { GatewayError } from '../errors.js';

export class StreamSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(readonly maxTotal: number, readonly maxPerUser: number) {}

  get active() {
    return this.total;
  }

  /** Takes a slot or throws STREAM_LIMIT; the returned function gives it back (once). */
  acquire(userId: string | null): () => void {
    if (this.total >= this.maxTotal) {
      throw new GatewayError('STREAM_LIMIT', `Too many concurrent streams (limit ${this.maxTotal}); try again shortly`, { retryAfter: 1 });
    }
    const user = userId ?? 'anonymous';
    const mine = this.perUser.get(user) ?? 0;
    if (mine >= this.maxPerUser) {
      throw new GatewayError('STREAM_LIMIT', `Too many concurrent streams for this user (limit ${this.maxPerUser})`, { retryAfter: 1 });
    }
    this.total++;
    this.perUser.set(user, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    };
  }
}
