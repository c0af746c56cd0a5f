import { describe, expect, it } from 'vitest';
import type { EmbedFn } from '../../src/optimize/similarity.js';
import { cosineDense, createLocalSimilarity, findSimilarPairs, similarityMatches } from '../../src/optimize/similarity.js';

describe('local similarity', () => {
  const local = createLocalSimilarity();

  it("matches the guide's example at threshold 0.8", async () => {
    const prompts = ['Write Python code', 'Generate Python code', 'Write JavaScript code'];
    expect(local.similarity(prompts[0]!, prompts[1]!)).toBeGreaterThanOrEqual(0.8);
    expect(local.similarity(prompts[0]!, prompts[2]!)).toBeLessThan(0.8);
    expect(local.similarity(prompts[1]!, prompts[2]!)).toBeLessThan(0.8);
    expect(await similarityMatches(prompts, 0.8)).toEqual([
      { prompt1Index: 0, prompt2Index: 1, similarityScore: 1, isMatch: true, blockedBy: [], scoreBeforeGuards: 1 },
    ]);
  });

  it('folds synonyms in English and Spanish', () => {
    expect(local.similarity('Explain the method', 'Describe the function')).toBeCloseTo(1, 12);
    expect(local.similarity('Fix this list', 'Debug this array')).toBeCloseTo(1, 12);
    expect(local.similarity('Escribe una función en Python', 'Genera una función en Python')).toBeCloseTo(1, 12);
  });

  it('scores in [0, 1] and is symmetric', () => {
    const pairs: Array<[string, string]> = [['', ''], ['hello', ''], ['Sort a list', 'Bake a cake'], ['Same text', 'same text!']];
    for (const [a, b] of pairs) {
      const score = local.similarity(a, b);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(local.similarity(b, a)).toBeCloseTo(score, 12);
    }
    expect(local.similarity('Same text', 'same text!')).toBeCloseTo(1, 12);
    expect(local.similarity('Sort a list', 'Bake a cake')).toBeLessThan(0.3);
  });

  it('finds exactly the pairs an exhaustive search finds, with fewer comparisons', async () => {
    const topics = ['sort a list', 'parse a date', 'read a file', 'call an API', 'hash a password', 'resize an image'];
    const langs = ['Python', 'Go', 'Rust', 'Java', 'Ruby'];
    const verbs = ['Write', 'Generate', 'Create', 'Explain how to'];
    const prompts = topics.flatMap((topic) => langs.flatMap((lang) => verbs.map((verb) => `${verb} ${topic} in ${lang}`)));
    const threshold = 0.8;
    const { pairs, stats } = await findSimilarPairs(prompts, threshold);
    const expected: Array<[number, number]> = [];
    for (let i = 0; i < prompts.length; i++) {
      for (let j = i + 1; j < prompts.length; j++) if (local.similarity(prompts[i]!, prompts[j]!) >= threshold) expected.push([i, j]);
    }
    expect(pairs.map(({ i, j }) => [i, j])).toEqual(expected);
    expect(stats.comparisons).toBeLessThan((prompts.length * (prompts.length - 1)) / 2);
  });
});

describe('embedding similarity', () => {
  const fakeEmbed: EmbedFn = async (texts) => texts.map((text) => (text.includes('cat') ? [1, 0.1, 0] : text.includes('dog') ? [0.9, 0.4, 0] : [0, 0, 1]));

  it('uses the cosine of the provided embeddings', async () => {
    expect(cosineDense([1, 0], [1, 0])).toBe(1);
    expect(cosineDense([1, 0], [0, 1])).toBe(0);
    expect(cosineDense([1, 0], [-1, 0])).toBe(0);
    const matches = await similarityMatches(['a cat', 'a dog', 'a car', 'my cat'], 0.9, fakeEmbed);
    expect(matches.map((m) => [m.prompt1Index, m.prompt2Index])).toEqual([[0, 1], [0, 3], [1, 3]]);
    expect(matches.every((m) => m.isMatch && m.similarityScore >= 0.9)).toBe(true);
  });

  it('uses LSH candidates for large inputs and still finds near-identical embeddings', async () => {
    const dims = 32;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const bases = Array.from({ length: 600 }, () => Array.from({ length: dims }, random));
    const vectors = [...bases, ...bases.slice(0, 50).map((v) => v.map((x) => x + random() * 0.02))];
    const embed: EmbedFn = async () => vectors;
    const { pairs, stats } = await findSimilarPairs(vectors.map(String), 0.95, embed);
    expect(stats.method).toBe('lsh');
    for (let k = 0; k < 50; k++) expect(pairs.some(({ i, j }) => i === k && j === 600 + k)).toBe(true);
    expect(stats.comparisons).toBeLessThan((vectors.length * (vectors.length - 1)) / 2 / 4);
  });
});
