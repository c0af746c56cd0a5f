import { describe, expect, it } from 'vitest';
import type { PairSearchStats } from '../../src/optimize/similarity.js';
import { estimateBatch, groupId, groupPrompts, normalizePrompt } from '../../src/optimize/batch.js';

/** Deterministic PRNG for generated test data. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('normalizePrompt', () => {
  it('lower-cases, collapses whitespace, trims and strips trailing punctuation', () => {
    expect(normalizePrompt('  Write   a\n\tFunction!!  ')).toBe('write a function');
    expect(normalizePrompt('What is DNS?')).toBe('what is dns');
    expect(normalizePrompt('Use v1.2')).toBe('use v1.2');
  });
});

describe('groupPrompts', () => {
  it("groups the guide's example with detect_similar", async () => {
    const prompts = ['Write a function', 'Write a function', 'Write a function', 'Create a class', 'Create a class', 'Generate documentation'];
    const result = await groupPrompts(prompts, { detectSimilar: true });
    expect(Object.values(result.groupedPrompts)).toEqual([[0, 1, 2], [3, 4], [5]]);
    expect(Object.values(result.representativePrompts)).toEqual(['Write a function', 'Create a class', 'Generate documentation']);
    expect(result.stats).toEqual({ originalPrompts: 6, groupedPrompts: 3, duplicatesDetected: 3, apiCallsSaved: 3, costSavingsPercentage: 50 });
    const first = groupId('Write a function');
    expect(first).toMatch(/^h[0-9a-f]{12}$/);
    expect(result.optimizationMap).toEqual({ 0: first, 1: first, 2: first, 3: groupId('Create a class'), 4: groupId('Create a class'), 5: groupId('Generate documentation') });
  });

  it('groups exact duplicates after normalization only, unless detectSimilar is set', async () => {
    const prompts = ['Write Python code', 'write python code.', 'Generate Python code'];
    const exact = await groupPrompts(prompts);
    expect(Object.values(exact.groupedPrompts)).toEqual([[0, 1], [2]]);
    const similar = await groupPrompts(prompts, { detectSimilar: true, threshold: 0.8 });
    expect(Object.values(similar.groupedPrompts)).toEqual([[0, 1, 2]]);
    expect(similar.representativePrompts[groupId('Write Python code')]).toBe('Write Python code');
  });

  it('uses stable ids and handles an empty batch', async () => {
    const a = await groupPrompts(['Explain DNS', 'Explain TLS']);
    const b = await groupPrompts(['Explain TLS', 'Explain DNS']);
    expect(new Set(Object.keys(a.groupedPrompts))).toEqual(new Set(Object.keys(b.groupedPrompts)));
    expect((await groupPrompts([])).stats).toEqual({ originalPrompts: 0, groupedPrompts: 0, duplicatesDetected: 0, apiCallsSaved: 0, costSavingsPercentage: 0 });
  });

  it('groups 10,000 prompts with near duplicates without comparing all pairs', async () => {
    const random = mulberry32(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const syllables = ['ka', 'lo', 'mi', 'tre', 'vos', 'nu', 'pel', 'dar', 'qui', 'zen', 'bo', 'fa', 'gri', 'sul', 'ten', 'rax', 'po', 'lim'];
    const vocabulary = [...new Set(Array.from({ length: 900 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(syllables)).join('')))];
    const verbs = ['Write', 'Explain', 'Fix', 'Translate', 'Summarize'];
    const synonyms: Record<string, string> = { Write: 'Generate', Explain: 'Describe', Fix: 'Debug', Translate: 'Translate', Summarize: 'Summarise' };

    const baseCount = 8_000;
    const prompts: string[] = [];
    const baseOf: number[] = [];
    for (let b = 0; b < baseCount; b++) {
      const verb = pick(verbs);
      prompts.push(`${verb} ${Array.from({ length: 6 }, () => pick(vocabulary)).join(' ')}`);
      baseOf.push(b);
    }
    while (prompts.length < 10_000) {
      const b = Math.floor(random() * baseCount);
      const [verb, ...rest] = prompts[b]!.split(' ');
      const variants = [
        `${synonyms[verb!]} ${rest.join(' ')}`, // synonym
        `${prompts[b]} please`, // politeness
        `  ${prompts[b]!.toUpperCase()}?`, // exact duplicate after normalization
      ];
      prompts.push(pick(variants));
      baseOf.push(b);
    }

    let stats: PairSearchStats | undefined;
    const result = await groupPrompts(prompts, { detectSimilar: true, onSimilarityStats: (s) => (stats = s) });

    // Every near duplicate sits in its base prompt's group, and distinct bases are not merged.
    prompts.forEach((_, index) => expect(result.optimizationMap[index]).toBe(result.optimizationMap[baseOf[index]!]));
    expect(result.stats.groupedPrompts).toBe(baseCount);
    expect(result.stats.apiCallsSaved).toBe(10_000 - baseCount);
    expect(result.stats.costSavingsPercentage).toBe(20);
    const someGroup = result.groupedPrompts[result.optimizationMap[baseOf[9_999]!]!]!;
    expect(someGroup).toContain(9_999);
    expect(result.representativePrompts[result.optimizationMap[9_999]!]).toBe(prompts[someGroup[0]!]);

    // Exact similarity computations are far below the n^2/2 of a pairwise comparison.
    expect(stats).toBeDefined();
    const n = stats!.items;
    expect(n).toBeGreaterThan(baseCount);
    expect(stats!.method).toBe('prefix-filter');
    expect(stats!.comparisons).toBeLessThan((n * (n - 1)) / 2 / 100);
  });
});

describe('estimateBatch', () => {
  it("matches the guide's example", () => {
    expect(estimateBatch(['prompt1', 'prompt1', 'prompt2', 'prompt2', 'prompt2'])).toEqual({
      originalCount: 5,
      estimatedOptimizedCount: 2,
      apiCallsSaved: 3,
      costSavingsPercentage: 60,
    });
    expect(estimateBatch([])).toEqual({ originalCount: 0, estimatedOptimizedCount: 0, apiCallsSaved: 0, costSavingsPercentage: 0 });
  });
});
