import type { Strategy } from './types.js';

/** Trailing spaces, runs of blanks inside a line, 3+ line breaks, leading/trailing blank text. */
export const normalizeWhitespace: Strategy = (text) =>
  text
    .replace(/[ \t]+$/gm, '')
    .replace(/(?<=\S)[ \t]{2,}(?=\S)/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
