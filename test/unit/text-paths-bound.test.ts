// Every text path handles 1 MB of hostile text within a second of CPU, each run under a hard
// deadline in a worker (test/helpers/cpu-deadline.ts): the test fails when the deadline fires.
// A linear path stays far within it; a quadratic one (the old tokenizer on one long run of a
// character, the old optimizer's regular expressions) would need minutes to hours on such input.
import { afterAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL_INPUTS } from '../helpers/adversarial-text.js';
import { closeDeadlineWorker, runUnderCpuDeadline } from '../helpers/cpu-deadline.js';
import { PATHS } from '../helpers/text-paths-worker.js';

const SIZE = 1_000_000;

afterAll(closeDeadlineWorker);

describe.each(Object.keys(ADVERSARIAL_INPUTS))('1 MB of %s', (input) => {
  it.each(Object.keys(PATHS))('%s finishes within the deadline', async (path) => {
    expect(await runUnderCpuDeadline(path, input, SIZE), `${path} on 1 MB of ${input}`).toBe('done');
  });
});
