import { describe, expect, it } from 'vitest';
import { clientIp } from '../../src/auth/client-ip.js';

const req = (remoteAddress: string | undefined, xff?: string) => ({ socket: { remoteAddress } as never, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });

describe('clientIp', () => {
  it('is the socket peer unless proxies are trusted', () => {
    expect(clientIp(req('::ffff:10.0.0.5', '1.2.3.4'), 0)).toBe('10.0.0.5');
    expect(clientIp(req(undefined), 0)).toBe('unknown');
    expect(clientIp(undefined, 0)).toBe('unknown');
  });

  it('takes the entry the outermost trusted proxy appended; a client cannot forge past it', () => {
    expect(clientIp(req('10.0.0.2', 'forged, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientIp(req('10.0.0.2', 'forged, 203.0.113.7, 10.0.0.1'), 2)).toBe('203.0.113.7');
    expect(clientIp(req('10.0.0.2', '203.0.113.7'), 3)).toBe('203.0.113.7');
    expect(clientIp(req('10.0.0.2', 'x'.repeat(10_000)), 1)).toHaveLength(64);
  });
});
