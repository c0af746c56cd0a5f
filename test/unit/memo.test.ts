import { describe, expect, it } from 'vitest';
import { memoize } from '../../src/memo.js';

describe('memoize', () => {
  it('computes once per input, remembers results that are null or falsy, and empties itself when full', () => {
    const calls: string[] = [];
    const f = memoize((key) => {
      calls.push(key);
      return key === 'none' ? null : key.length;
    }, 2);
    expect([f('ab'), f('ab'), f('none'), f('none')]).toEqual([2, 2, null, null]);
    expect(calls).toEqual(['ab', 'none']);
    f('xyz'); // a third input: the memo is emptied first
    f('ab');
    expect(calls).toEqual(['ab', 'none', 'xyz', 'ab']);
  });
});
