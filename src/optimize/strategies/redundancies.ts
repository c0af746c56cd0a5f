import { GAP, protectedTermCounts, resolveMarkers } from '../text.js';
import type { Strategy } from './types.js';

/** A sentence (or line) of masked text, with its position. */
export interface Sentence {
  start: number;
  end: number;
  text: string;
}

// A sentence runs to . ! ? or the end of the line; trailing spaces belong to it.
const SENTENCE = /[^.!?\n]+(?:[.!?]+|$)[ \t]*/gm;

// Openers that announce a repetition; "Again, use UTC." repeats "Use UTC."
const REPEAT_MARKER = /^(?:again|once again|as i said(?: before)?|as mentioned(?: before| above)?|like i said|remember(?: that)?|to repeat|i repeat|de nuevo|otra vez|repito|como dije(?: antes)?|recuerda(?: que)?)[,:]?\s+/iu;
const LIST_MARKER = /^\s*(?:[-*+•>]\s+|\d+[.)]\s+)?/u;
const MIN_WORDS = 3;

/** Comparison key: case, spacing, list markers, repetition openers and final punctuation ignored. */
function sentenceKey(sentence: string): string {
  return sentence
    .replace(LIST_MARKER, '')
    .trim()
    .replace(/^[¿¡]/, '')
    .replace(REPEAT_MARKER, '')
    .replace(/[.!?]+$/, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

export function splitSentences(text: string): Sentence[] {
  return [...text.matchAll(SENTENCE)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0] }));
}

/** How much earlier text (in characters) a sentence is searched in for a repeated clause. */
const CLAUSE_SEARCH_WINDOW = 4_000;

/**
 * Sentences that repeat an earlier sentence of the same text (any distance back), or a whole
 * clause of one of the sentences within the last CLAUSE_SEARCH_WINDOW characters: the window
 * keeps the work linear in the length of the text.
 */
export function repeatedSentences(text: string): Sentence[] {
  const seen = new Set<string>();
  const recent: string[] = [];
  let recentChars = 0;
  return splitSentences(text).filter((sentence) => {
    const key = sentenceKey(sentence.text);
    if (key.split(' ').length < MIN_WORDS) return false;
    const padded = ` ${key} `;
    if (seen.has(key) || recent.some((previous) => previous.includes(padded))) return true;
    seen.add(key);
    const clauses = ` ${key.replace(/[,;:]/g, ' ')} `.replace(/ +/g, ' ');
    recent.push(clauses);
    recentChars += clauses.length;
    while (recentChars > CLAUSE_SEARCH_WINDOW && recent.length > 1) recentChars -= recent.shift()!.length;
    return false;
  });
}

// A clause joined to the one before it: ", so do not X", ", and X", "; X", ", así que X".
const CLAUSE_JOIN = /(?:,\s{1,16}(?:so|and|but|y|pero|así que)\s{1,16}|;\s{1,16})(?:please\s{1,16}|por favor,?\s{1,16})?/giu;
/** How many earlier clauses of the sentence a clause is compared with (keeps the work linear). */
const CLAUSE_LOOKBACK = 8;
const clauseKey = (clause: string): string => ` ${clause.toLowerCase().replace(/[.!?,;:]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
const sameConstraints = (a: string, b: string): boolean => {
  const keys = (text: string) => [...protectedTermCounts(text).keys()].sort().join('|');
  return keys(a) === keys(b);
};

/**
 * Clauses that restate an earlier clause of the same sentence ("Do not give investment advice
 * under any circumstances, so please do not give investment advice."): the joining words and the
 * clause go. Only when both say the same negations and constraints ("do not delete X, and delete
 * X" is no restatement).
 */
export function repeatedClauses(text: string): Sentence[] {
  const repeated: Sentence[] = [];
  for (const sentence of splitSentences(text)) {
    const joins = [...sentence.text.matchAll(CLAUSE_JOIN)];
    if (joins.length === 0) continue;
    const clauses: { start: number; end: number; key: string; text: string }[] = [];
    let from = 0;
    for (const [i, join] of [...joins, null].entries()) {
      const end = join ? join.index : sentence.text.length;
      const body = sentence.text.slice(i === 0 ? 0 : from, end);
      clauses.push({ start: i === 0 ? 0 : joins[i - 1]!.index, end, key: clauseKey(body), text: body });
      if (join) from = join.index + join[0].length;
    }
    for (let i = 1; i < clauses.length; i++) {
      const clause = clauses[i]!;
      if (clause.key.trim().split(' ').length < MIN_WORDS) continue;
      const earlier = clauses.slice(Math.max(0, i - CLAUSE_LOOKBACK), i);
      if (!earlier.some((e) => e.key.includes(clause.key) && sameConstraints(e.text, clause.text))) continue;
      // Up to the sentence's closing punctuation, which stays with the clause before.
      const end = clause.start + sentence.text.slice(clause.start, clause.end).replace(/[.!?]+[ \t]*$/, '').length;
      repeated.push({ start: sentence.start + clause.start, end: sentence.start + end, text: sentence.text.slice(clause.start, end) });
    }
  }
  return repeated;
}

/** Removes sentences that say again what an earlier sentence already said, then restated clauses. */
export const removeRedundancies: Strategy = (text) => {
  const withoutSentences = cut(text, repeatedSentences(text));
  return cut(withoutSentences, repeatedClauses(withoutSentences));
};

function cut(text: string, spans: Sentence[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let cursor = 0;
  for (const { start, end } of spans) {
    out += text.slice(cursor, start) + GAP;
    cursor = end;
  }
  return resolveMarkers(out + text.slice(cursor));
}
