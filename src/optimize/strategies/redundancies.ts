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

/** Sentences that repeat an earlier sentence, or a whole clause of one, of the same text. */
export function repeatedSentences(text: string): Sentence[] {
  const earlier: string[] = [];
  return splitSentences(text).filter((sentence) => {
    const key = sentenceKey(sentence.text);
    if (key.split(' ').length < MIN_WORDS) return false;
    const padded = ` ${key} `;
    if (earlier.some((previous) => previous.includes(padded))) return true;
    earlier.push(` ${key.replace(/[,;:]/g, ' ')} `.replace(/ +/g, ' '));
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
