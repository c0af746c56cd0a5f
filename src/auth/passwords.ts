// Password hashes: scrypt from node:crypto, which runs in libuv's thread pool, so a burst of
// logins does not stall the event loop (bcryptjs, used before, hashes on the main thread in
// JavaScript). Hashes made by bcrypt still verify, and are replaced after a successful login.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';

const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
// Stored parameters above these are refused rather than computed (memory is 128 * N * r bytes).
const MAX = { N: 1 << 20, r: 32, p: 16 };

/** scrypt of a random password: comparing against it keeps unknown-user logins as slow as wrong-password ones. */
export const DUMMY_HASH = 'scrypt$16384$8$1$i3m27Ut0n3BmDnNerRao1A$ZkmGnomDVEtvZxuxon_HIXev-ijp90KWk1Fcmwz06Qk';

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem: 256 * options.N! * options.r! }, (e, key) => (e ? reject(e) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$2')) return bcrypt.compare(password, stored);
  const [scheme, n, r, p, salt, key] = stored.split('$');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !key || !(options.N > 1 && options.N <= MAX.N && options.r >= 1 && options.r <= MAX.r && options.p >= 1 && options.p <= MAX.p)) {
    return false;
  }
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), options);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True for a hash made another way or with other parameters than hashPassword uses now. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(`scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$`);
}
