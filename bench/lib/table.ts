// Markdown tables on stdout: readable in a terminal and pasted as-is into BENCHMARKS.md.
import { round } from './stats.js';

export type Cell = string | number | boolean | null | undefined;

function show(c: Cell): string {
  if (c === null || c === undefined) return '–';
  if (typeof c === 'number') return Number.isFinite(c) ? String(round(c)) : c === Infinity ? '∞' : '–';
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return c;
}

export function formatTable(columns: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => columns.map((_, i) => show(r[i])));
  const width = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(columns), rule, ...cells.map(line)].join('\n');
}

export function printTable(title: string, columns: string[], rows: Cell[][]): string {
  const text = `\n### ${title}\n\n${formatTable(columns, rows)}\n`;
  console.log(text);
  return text;
}
