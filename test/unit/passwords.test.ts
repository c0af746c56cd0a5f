import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from '../../src/auth/passwords.js';

describe('passwords', () => {
  it('hashes with scrypt, salted, and verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(needsRehash(a)).toBe(false);
  });

  it('still verifies bcrypt hashes made before, and marks them for replacement', async () => {
    const old = bcrypt.hashSync('legacy-password', 4);
    expect(await verifyPassword('legacy-password', old)).toBe(true);
    expect(await verifyPassword('other', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
  });

  it('refuses malformed or oversized stored parameters without computing them', async () => {
    for (const stored of ['', 'scrypt$', 'scrypt$abc$8$1$c2FsdA$a2V5', 'scrypt$1073741824$8$1$c2FsdA$a2V5', 'md5$x', DUMMY_HASH.replace('$8$', '$999$')]) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
    expect(await verifyPassword('anything', DUMMY_HASH)).toBe(false);
  });
});
