import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optimizePrompt } from '../../src/optimize/optimizer.js';

interface CorpusEntry {
  id: string;
  lang: 'en' | 'es';
  kind: 'verbose' | 'terse';
  prompt: string;
  system_message?: string;
  must_keep: string[];
}

const corpus: CorpusEntry[] = JSON.parse(readFileSync(new URL('../fixtures/prompts.json', import.meta.url), 'utf8'));
const modes = [
  { name: 'normal', aggressive: false },
  { name: 'aggressive', aggressive: true },
] as const;

const optimize = (entry: CorpusEntry, aggressive: boolean) =>
  optimizePrompt({ prompt: entry.prompt, systemMessage: entry.system_message, aggressive });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('prompt corpus', () => {
  it('is a realistic mix', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((entry) => entry.id)).size).toBe(corpus.length);
    for (const value of ['en', 'es']) expect(corpus.some((entry) => entry.lang === value)).toBe(true);
    for (const value of ['verbose', 'terse']) expect(corpus.some((entry) => entry.kind === value)).toBe(true);
    for (const entry of corpus) for (const kept of entry.must_keep) expect(entry.prompt, entry.id).toContain(kept);
  });

  for (const mode of modes) {
    it(`keeps every must_keep verbatim in ${mode.name} mode`, () => {
      for (const entry of corpus) {
        const { optimizedPrompt } = optimize(entry, mode.aggressive);
        for (const kept of entry.must_keep) expect(optimizedPrompt, `${entry.id}: ${kept}`).toContain(kept);
      }
    });
  }

  it('leaves terse prompts unchanged in normal mode', () => {
    for (const entry of corpus.filter((e) => e.kind === 'terse')) {
      const result = optimize(entry, false);
      expect(result.optimizedPrompt, entry.id).toBe(entry.prompt);
      expect(result.stats.tokensSaved, entry.id).toBe(0);
    }
  });

  // The savings targets are measured on prompts the rules were not tuned on
  // (test/unit/prompt-corpus.test.ts); on this corpus, which they were tuned on, a median says
  // how well they fit it, so it is only reported.
  it('reports the median token reduction on its verbose prompts', () => {
    const verbose = corpus.filter((entry) => entry.kind === 'verbose');
    const medians = Object.fromEntries(
      modes.map((mode) => [mode.name, median(verbose.map((entry) => optimize(entry, mode.aggressive).stats.reductionPercentage))]),
    );
    console.log(`median token reduction on ${verbose.length} verbose prompts (the tuning corpus): normal ${medians.normal}%, aggressive ${medians.aggressive}%`);
    expect(medians.normal).toBeGreaterThan(0);
  });
});
