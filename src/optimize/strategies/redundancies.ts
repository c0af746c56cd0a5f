import { GAP, resolveMarkers } from '../text.js';
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

/** Removes sentences that say again what an earlier sentence already said. */
export const removeRedundancies: Strategy = (text) => {
  const repeated = repeatedSentences(text);
  if (repeated.length === 0) return text;
  let out = '';
  let cursor = 0;
  for (const { start, end } of repeated) {
    out += text.slice(cursor, start) + GAP;
    cursor = end;
  }
  return resolveMarkers(out + text.slice(cursor));
};
