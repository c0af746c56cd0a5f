import { createHash } from 'node:crypto';
import type { GuardName } from './meaning-guards.js';
import type { EmbedFn, PairSearchStats } from './similarity.js';
import { guardedPairs } from './similarity.js';

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

/** Two prompts similar enough to group that a meaning guard kept apart. */
export interface BlockedPair {
  i: number;
  j: number;
  blockedBy: GuardName[];
}

export interface GroupResult {
  /** Similar pairs (by prompt index) that were not grouped because they differ in meaning. */
  blockedPairs: BlockedPair[];
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

// Quoted text and code keep their case; so do words with a capital after their first letter
// (userId, iPhone): "Rename `userId` to `userID`" is not "Rename `userID` to `userId`".
// Bounded spans and whole words, so that a long run never makes the scan quadratic.
const LITERAL = /`[^`\n]{0,120}`|"[^"\n]{0,120}"|“[^”\n]{0,120}”|«[^»\n]{0,120}»|'[^'\n]{0,120}'/gu;
const WORD = /[\p{L}\p{N}_$]+/gu;
const isMixedCase = (word: string): boolean => /\p{Ll}/u.test(word) && /\p{Lu}/u.test(word.slice(1));
const foldCase = (text: string): string => text.replace(WORD, (word) => (isMixedCase(word) ? word : word.toLowerCase()));
const TRAILING_SENTENCE_MARKS = /[.!?…。！？]/u;

/**
 * Key for exact de-duplication: whitespace collapsed and trimmed, case folded (outside quoted
 * text, code and mixed-case identifiers), and the final sentence mark dropped ("What is DNS?" and
 * "what is dns" are the same request).
 */
export function normalizePrompt(prompt: string): string {
  const spaced = prompt.replace(/\s+/g, ' ');
  let key = '';
  let cursor = 0;
  for (const m of spaced.matchAll(LITERAL)) {
    key += foldCase(spaced.slice(cursor, m.index)) + m[0];
    cursor = m.index + m[0].length;
  }
  key = (key + foldCase(spaced.slice(cursor))).trim();
  // A loop, not a /…+$/ regex: that would retry from every position of a long run of marks.
  let end = key.length;
  while (end > 0 && (TRAILING_SENTENCE_MARKS.test(key[end - 1]!) || key[end - 1] === ' ')) end--;
  return key.slice(0, end);
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

/**
 * Groups duplicate prompts so that each group needs one API call. Exact duplicates (after
 * normalizePrompt) always group. With detectSimilar, a prompt also joins the group of an earlier
 * group leader it is similar to (the most similar one), unless a meaning guard blocks the pair;
 * every member is thus similar to its group's representative itself, never only through a chain.
 */
export async function groupPrompts(prompts: string[], options: GroupOptions = {}): Promise<GroupResult> {
  const { firstIndices, groupOf } = exactGroups(prompts);
  // leaderOf[g]: the exact group whose representative answers exact group g.
  const leaderOf = firstIndices.map((_, g) => g);
  const blockedPairs: BlockedPair[] = [];
  if (options.detectSimilar && firstIndices.length > 1) {
    const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const representatives = firstIndices.map((index) => prompts[index]!);
    const { pairs, stats } = await guardedPairs(representatives, threshold, options.embed);
    options.onSimilarityStats?.(stats);
    const earlierOf = new Map<number, { i: number; score: number }[]>();
    for (const pair of pairs) {
      if (pair.blockedBy.length > 0) blockedPairs.push({ i: firstIndices[pair.i]!, j: firstIndices[pair.j]!, blockedBy: pair.blockedBy });
      else if (earlierOf.has(pair.j)) earlierOf.get(pair.j)!.push(pair);
      else earlierOf.set(pair.j, [pair]);
    }
    // In input order, so each earlier group already knows whether it leads one.
    for (let g = 1; g < firstIndices.length; g++) {
      let chosen: { i: number; score: number } | undefined;
      for (const pair of earlierOf.get(g) ?? []) {
        if (leaderOf[pair.i] === pair.i && (!chosen || pair.score > chosen.score)) chosen = pair;
      }
      if (chosen) leaderOf[g] = chosen.i;
    }
  }

  const optimizationMap: Record<string, string> = {};
  const groupedPrompts: Record<string, number[]> = {};
  const representativePrompts: Record<string, string> = {};
  const idOfRoot = new Map<number, string>();
  prompts.forEach((prompt, index) => {
    const root = leaderOf[groupOf[index]!]!;
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
    blockedPairs,
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
