// Every regular expression of src/, family by family, on hostile inputs: long runs of one
// character, of blanks, of the rules' own words, nested brackets, lines without spaces. Each
// family runs under the same CPU deadline as the text paths (test/helpers/cpu-deadline.ts): a
// regex that backtracks catastrophically, or is retried from every position of a long run, needs
// far more than a second on 32 KB (the optimizer's largest input); a linear one far less.
import { afterAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL_INPUTS, FAMILY_INPUTS } from '../helpers/adversarial-text.js';
import { closeDeadlineWorker, runUnderCpuDeadline } from '../helpers/cpu-deadline.js';
import { REGEX_FAMILIES } from '../helpers/regex-families.js';
import { MAX_OPTIMIZE_CHARS } from '../../src/optimize/limits.js';

afterAll(closeDeadlineWorker);

describe.each(Object.keys(REGEX_FAMILIES))('%s', (family) => {
  it.each([...Object.keys(ADVERSARIAL_INPUTS), ...Object.keys(FAMILY_INPUTS)])('on 32 KB of %s', async (input) => {
    expect(await runUnderCpuDeadline(family, input, MAX_OPTIMIZE_CHARS), `${family} on ${input}`).toBe('done');
  });
});
