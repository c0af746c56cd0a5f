/**
 * Shared text helpers for the optimizer. Everything here works on *masked* text (see protect.ts):
 * protected spans have been replaced by private-use placeholders, so they can never match a rule.
 */

export type Lang = 'en' | 'es';

/** Marker left by a rule: capitalise the next letter (a leading phrase was removed). */
export const CAP = '\u0001';
/** Marker left where text was deleted, so the surrounding spaces/punctuation can be repaired. */
export const GAP = '\u0002';

const LETTER = '\\p{L}\\p{N}_';
// Start/end boundaries that, unlike `\b`, understand accented letters and treat "don't" as one
// word. Apostrophes are written as escapes so that phrase() does not rewrite them again.
export const WORD_START = `(?<![${LETTER}]|\\p{L}[\\x27\\u2019])`;
export const WORD_END = `(?![${LETTER}]|[\\x27\\u2019]\\p{L})`;

/**
 * Compiles a phrase written in plain words (optionally with regex syntax) into a global,
 * case-insensitive, unicode regex: spaces (unless quantified) match any run of whitespace,
 * apostrophes match ' and ’, and (when bounded) the phrase starts and ends on word boundaries.
 */
export function phrase(source: string, bounded = true): RegExp {
  const body = source.replace(/'/g, "['’]").replace(/ +(?![?*+{])/g, '\\s+');
  return new RegExp(bounded ? `${WORD_START}(?:${body})${WORD_END}` : body, 'giu');
}

const LINE_START = /^\s*(?:[-*+•>]\s+|\d+[.)]\s+|#+\s+)?[¿¡"“«(]*$/u;
// \uE002 closes the placeholder of a protected span that itself ends a sentence (protect.ts).
const AFTER_SENTENCE_END = /(?:[.!?:](?:["”»)])?|\uE002)\s+[¿¡"“«(]*$/u;
// A Spanish question or exclamation opens a clause wherever it is: "Hola, ¿Podrías ...?".
const AFTER_OPENING_MARK = /[¿¡]\s*$/u;

/** True when `index` is the first word of a sentence, line, list item or heading. */
export function isSentenceStart(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index).replace(/[\u0001\u0002]/g, '');
  return LINE_START.test(before) || AFTER_SENTENCE_END.test(before) || AFTER_OPENING_MARK.test(before);
}

// Negations and constraints ("do not" and "no more than" are covered by "not" and "no"): rules
// never remove them, and the word-removal strategies never remove a word right next to them
// ("not really", "un solo").
const PROTECTED_TERMS = [
  // English
  'not', 'never', 'no', 'nor', 'none', 'nothing', 'neither', 'without', 'only', 'must', 'cannot',
  "\\p{L}+n't", 'at most', 'at least', 'exactly', 'except',
  'unless', 'always', 'avoid', 'mandatory', 'required',
  // Spanish
  'nunca', 'jamás', 'sin', 'solo', 'sólo', 'solamente', 'únicamente', 'debe', 'deben', 'debes',
  'debo', 'debemos', 'como máximo', 'como mínimo', 'al menos', 'ni', 'nada', 'ningún', 'ninguno',
  'ninguna', 'excepto', 'salvo', 'siempre', 'evita', 'evitar', 'obligatorio',
];
const PROTECTED = phrase(PROTECTED_TERMS.join('|'));

/** True when `text` contains a negation or constraint word. */
export function containsProtected(text: string): boolean {
  PROTECTED.lastIndex = 0;
  return PROTECTED.test(text);
}

/** Counts of the negation/constraint terms in `text`, lower-cased. */
export function protectedTermCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of text.match(PROTECTED) ?? []) {
    const key = term.toLowerCase().replace(/’/g, "'").replace(/\s+/g, ' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** True when `after` still contains every negation/constraint of `before` (at least as often). */
export function keepsProtectedTerms(before: string, after: string): boolean {
  const kept = protectedTermCounts(after);
  return [...protectedTermCounts(before)].every(([term, count]) => (kept.get(term) ?? 0) >= count);
}

const WORD_AFTER = /^[ \t]+([\p{L}'’]+(?:\s+[\p{L}'’]+)?)/u;
/** How far back (in words, within the clause) a negation/constraint shields a word from removal. */
const CONSTRAINT_SCOPE = 4;
const CLAUSE_TAIL = new RegExp(`(?:[\\p{L}'’\\uE000-\\uE1FF]+[ \\t]+){1,${CONSTRAINT_SCOPE}}$`, 'u');

/**
 * True when a negation/constraint occurs within the last few words of the same clause before
 * `start` ("must not start with a digit" keeps its "a"; "not really" keeps "really").
 */
export function protectedBefore(text: string, start: number): boolean {
  const match = CLAUSE_TAIL.exec(text.slice(Math.max(0, start - 80), start));
  return match !== null && containsProtected(match[0]);
}

/** True when the (up to two) words right after `end` include a negation/constraint. */
export function protectedAfter(text: string, end: number): boolean {
  const match = WORD_AFTER.exec(text.slice(end, end + 40));
  return match !== null && containsProtected(match[1]!);
}

const SPANISH_HINTS = phrase(
  'de|la|que|el|en|los|las|por|para|con|una|un|es|del|se|como|pero|más|este|esta|quiero|necesito|puedes|podrías|hola|gracias',
);
const ENGLISH_HINTS = phrase(
  'the|and|to|of|is|in|that|for|with|you|this|it|my|can|please|what|how|i|be|are|on|from|thanks',
);

/** Rough language detection by counting very common words (plus Spanish-only characters). */
export function detectLanguage(text: string): Lang {
  const spanish = (text.match(SPANISH_HINTS)?.length ?? 0) + (text.match(/[ñ¿¡]/g)?.length ?? 0) * 2;
  const english = text.match(ENGLISH_HINTS)?.length ?? 0;
  return spanish > english ? 'es' : 'en';
}

// Punctuation left at the start of a sentence by a deletion ("Please." -> "").
const ORPHANED_PUNCTUATION = /^(?:[,;:]+|[.!?]+(?=\s|$))[ \t]*/;
const CLOSING_PUNCTUATION = /^[,;:.!?)]/;

/** Joins the text on either side of a deletion, repairing spaces and orphaned punctuation. */
function joinAcrossGap(left: string, right: string): string {
  const l = left.replace(/[ \t]+$/, '');
  const cap = right.startsWith(CAP) ? CAP : '';
  let r = right.slice(cap.length).replace(/^[ \t]+/, '');
  const lineStart = l === '' || l.endsWith('\n');
  if (lineStart || /[.!?]$/.test(l)) r = r.replace(ORPHANED_PUNCTUATION, '');
  if (lineStart) return l + cap + r;
  if (r === '' || r.startsWith('\n')) return l.replace(/[,;]$/, '') + cap + r;
  if (CLOSING_PUNCTUATION.test(r)) return l.replace(/[,;:]$/, '') + cap + r;
  return `${l} ${cap}${r}`;
}

const CAPITALISE = /\u0001([^\p{L}\p{N}\uE000-\uF8FF\n]{0,3}?)(\p{Ll})/gu;

/** Resolves the GAP and CAP markers a rule left behind. */
export function resolveMarkers(text: string): string {
  if (!text.includes(GAP) && !text.includes(CAP)) return text;
  // Adjacent deletions form one gap (capitalising after it if any of them asked to).
  const merged = text.replace(/[\u0001\u0002]*\u0002[\u0001\u0002]*/g, (run) => GAP + (run.includes(CAP) ? CAP : ''));
  const joined = merged.split(GAP).reduce(joinAcrossGap);
  return joined
    .replace(CAPITALISE, (_m, between: string, letter: string) => between + letter.toUpperCase())
    .replace(/\u0001/g, '')
    .replace(/\n[ \t]*\n(?:[ \t]*\n)+/g, '\n\n')
    .trim();
}
