// The caller's address for per-client limits: the socket's peer, or, behind trusted reverse
// proxies, the X-Forwarded-For entry the outermost of them appended.
import type { IncomingMessage } from 'node:http';

const MAX_ADDRESS_LENGTH = 64;

export function clientIp(req: Pick<IncomingMessage, 'headers' | 'socket'> | undefined, trustedProxyHops: number): string {
  let address = req?.socket?.remoteAddress ?? 'unknown';
  const forwarded = req?.headers['x-forwarded-for'];
  if (trustedProxyHops > 0 && forwarded) {
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((s) => s.trim()).filter(Boolean);
    // Each trusted proxy appended the address it saw: the client is trustedProxyHops from the end.
    const entry = hops[Math.max(0, hops.length - trustedProxyHops)];
    if (entry) address = entry;
  }
  if (address.startsWith('::ffff:')) address = address.slice(7);
  return address.slice(0, MAX_ADDRESS_LENGTH);
}
