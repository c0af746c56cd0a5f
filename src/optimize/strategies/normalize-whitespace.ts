import type { Strategy } from './types.js';

/** `line` without its trailing spaces and tabs (a loop: /[ \t]+$/ is quadratic on a long blank run). */
function trimEndBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** Trailing spaces, runs of blanks inside a line, 3+ line breaks, leading/trailing blank text. */
export const normalizeWhitespace: Strategy = (text) =>
  text
    .split('\n')
    .map(trimEndBlanks)
    .join('\n')
    .replace(/(?<=\S)[ \t]{2,}(?=\S)/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
