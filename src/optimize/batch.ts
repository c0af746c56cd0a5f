import { createHash } from 'node:crypto';
import type { EmbedFn, PairSearchStats } from './similarity.js';
import { findSimilarPairs } from './similarity.js';

export interface GroupOptions {
  /** Also merge near-duplicates (similarity >= threshold), not only exact duplicates. */
  detectSimilar?: boolean;
  /** Similarity threshold for detectSimilar (default 0.85). */
  threshold?: number;
  /** Embeddings provider; the local lexical similarity is used when absent. */
  embed?: EmbedFn;
  /** Receives how many exact similarity computations the near-duplicate search made. */
  onSimilarityStats?: (stats: PairSearchStats) => void;
}

export interface BatchStats {
  originalPrompts: number;
  groupedPrompts: number;
  duplicatesDetected: number;
  apiCallsSaved: number;
  costSavingsPercentage: number;
}

export interface GroupResult {
  /** Prompt index (as a string) -> id of its group. */
  optimizationMap: Record<string, string>;
  /** Group id -> indices of its prompts, in input order. */
  groupedPrompts: Record<string, number[]>;
  /** Group id -> the group's first prompt, the one to actually send. */
  representativePrompts: Record<string, string>;
  stats: BatchStats;
}

export interface BatchEstimate {
  originalCount: number;
  estimatedOptimizedCount: number;
  apiCallsSaved: number;
  costSavingsPercentage: number;
}

export const DEFAULT_SIMILARITY_THRESHOLD = 0.85;

const TRAILING = /[\s\p{P}]/u;

/** Key for exact de-duplication: lower case, single spaces, trimmed, no trailing punctuation. */
export function normalizePrompt(prompt: string): string {
  const text = prompt.toLowerCase().replace(/\s+/g, ' ');
  // A loop, not /[\s\p{P}]+$/: that regex retries from every position of a long punctuation run.
  let end = text.length;
  while (end > 0 && TRAILING.test(text[end - 1]!)) end--;
  return text.slice(0, end).trim();
}

/** Short stable group id: 'h' + 12 hex chars of sha256(normalized representative). */
export function groupId(representative: string): string {
  return `h${createHash('sha256').update(normalizePrompt(representative)).digest('hex').slice(0, 12)}`;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const savingsPercentage = (saved: number, total: number): number => (total > 0 ? round1((saved / total) * 100) : 0);

/** Index of the first prompt with each normalized text, and every prompt's exact group. */
function exactGroups(prompts: string[]): { firstIndices: number[]; groupOf: number[] } {
  const groupByKey = new Map<string, number>();
  const firstIndices: number[] = [];
  const groupOf = prompts.map((prompt, index) => {
    const key = normalizePrompt(prompt);
    let group = groupByKey.get(key);
    if (group === undefined) {
      group = firstIndices.length;
      groupByKey.set(key, group);
      firstIndices.push(index);
    }
    return group;
  });
  return { firstIndices, groupOf };
}

/** Union-find with path halving; the root is always the smallest member. */
function createUnionFind(size: number) {
  const parent = Array.from({ length: size }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const union = (a: number, b: number): void => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  return { find, union };
}

/**
 * Groups duplicate prompts so that each group needs one API call. Exact duplicates (after
 * normalizePrompt) always group; with detectSimilar, near-duplicates of the groups'
 * representatives are merged too (union-find over the similar pairs found sub-quadratically).
 */
export async function groupPrompts(prompts: string[], options: GroupOptions = {}): Promise<GroupResult> {
  const { firstIndices, groupOf } = exactGroups(prompts);
  const merged = createUnionFind(firstIndices.length);
  if (options.detectSimilar && firstIndices.length > 1) {
    const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const representatives = firstIndices.map((index) => prompts[index]!);
    const { pairs, stats } = await findSimilarPairs(representatives, threshold, options.embed);
    options.onSimilarityStats?.(stats);
    for (const { i, j } of pairs) merged.union(i, j);
  }

  const optimizationMap: Record<string, string> = {};
  const groupedPrompts: Record<string, number[]> = {};
  const representativePrompts: Record<string, string> = {};
  const idOfRoot = new Map<number, string>();
  prompts.forEach((prompt, index) => {
    const root = merged.find(groupOf[index]!);
    let id = idOfRoot.get(root);
    if (id === undefined) {
      // Groups are met in input order, so the first prompt seen is the representative.
      id = groupId(prompt);
      idOfRoot.set(root, id);
      groupedPrompts[id] = [];
      representativePrompts[id] = prompt;
    }
    optimizationMap[String(index)] = id;
    groupedPrompts[id]!.push(index);
  });

  const groups = idOfRoot.size;
  const saved = prompts.length - groups;
  return {
    optimizationMap,
    groupedPrompts,
    representativePrompts,
    stats: {
      originalPrompts: prompts.length,
      groupedPrompts: groups,
      duplicatesDetected: saved,
      apiCallsSaved: saved,
      costSavingsPercentage: savingsPercentage(saved, prompts.length),
    },
  };
}

/** Quick estimate from exact (normalized) duplicates only. */
export function estimateBatch(prompts: string[]): BatchEstimate {
  const unique = exactGroups(prompts).firstIndices.length;
  const saved = prompts.length - unique;
  return {
    originalCount: prompts.length,
    estimatedOptimizedCount: unique,
    apiCallsSaved: saved,
    costSavingsPercentage: savingsPercentage(saved, prompts.length),
  };
}
