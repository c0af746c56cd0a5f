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

/** Longest whitespace run a phrase steps over between two words (see phrase). */
const MAX_BLANKS = 16;

/**
 * Compiles a phrase written in plain words (optionally with regex syntax) into a global,
 * case-insensitive, unicode regex: spaces (unless quantified) match a run of whitespace,
 * apostrophes match ' and ’, and (when bounded) the phrase starts and ends on word boundaries.
 * Every whitespace run a phrase may match is bounded (MAX_BLANKS): an unbounded \s+ tried from
 * each position of a long blank run would make the search quadratic.
 */
export function phrase(source: string, bounded = true): RegExp {
  const body = source
    .replace(/'/g, "['’]")
    .replace(/ +(?![?*+{])/g, '\\s+')
    .replace(/\\s\+/g, `\\s{1,${MAX_BLANKS}}`)
    .replace(/\\s\*/g, `\\s{0,${MAX_BLANKS}}`);
  return new RegExp(bounded ? `${WORD_START}(?:${body})${WORD_END}` : body, 'giu');
}

const LINE_START = /^\s*(?:[-*+•>]\s+|\d+[.)]\s+|#+\s+)?[¿¡"“«(]*$/u;
// \uE002 closes the placeholder of a protected span that itself ends a sentence (protect.ts).
const AFTER_SENTENCE_END = /(?:[.!?:](?:["”»)])?|\uE002)\s+[¿¡"“«(]*$/u;
// A Spanish question or exclamation opens a clause wherever it is: "Hola, ¿Podrías ...?".
const AFTER_OPENING_MARK = /[¿¡]\s*$/u;

/** How far back isSentenceStart looks; a line start further back than this is not seen. */
const SENTENCE_START_WINDOW = 256;

/**
 * True when `index` is the first word of a sentence, line, list item or heading. Only the last
 * SENTENCE_START_WINDOW characters are read, so that calling it for every word stays linear.
 */
export function isSentenceStart(text: string, index: number): boolean {
  const from = Math.max(0, index - SENTENCE_START_WINDOW);
  const recent = text.slice(from, index);
  const newline = recent.lastIndexOf('\n');
  const before = recent.slice(newline + 1).replace(/[\u0001\u0002]/g, '');
  const seesLineStart = newline >= 0 || from === 0;
  return (seesLineStart && LINE_START.test(before)) || AFTER_SENTENCE_END.test(before) || AFTER_OPENING_MARK.test(before);
}

// Negations and constraints ("do not" and "no more than" are covered by "not" and "no"): rules
// never remove them, and the word-removal strategies never remove a word right next to them
// ("not really", "un solo").
const PROTECTED_TERMS = [
  // English
  'not', 'never', 'no', 'nor', 'none', 'nothing', 'neither', 'without', 'only', 'just', 'merely', 'solely', 'must', 'cannot',
  "\\p{L}+n't", 'at most', 'at least', 'exactly', 'except',
  'unless', 'always', 'avoid', 'mandatory', 'required',
  // Spanish
  'nunca', 'jamás', 'sin', 'solo', 'sólo', 'solamente', 'únicamente', 'exactamente', 'tan solo', 'apenas', 'debe', 'deben', 'debes',
  'debo', 'debemos', 'como máximo', 'como mínimo', 'al menos', 'ni', 'nada', 'ningún', 'ninguno',
  'ninguna', 'excepto', 'salvo', 'siempre', 'evita', 'evitar', 'obligatorio',
];
const PROTECTED = phrase(PROTECTED_TERMS.join('|'));

/** True when `text` contains a negation or constraint word. */
export function containsProtected(text: string): boolean {
  PROTECTED.lastIndex = 0;
  return PROTECTED.test(text);
}

// Fixed phrases whose negation constrains nothing in the request: removing them removes no constraint.
const NOT_CONSTRAINTS = phrase("if you don't mind|(?:i'm |i am )?not (?:really |quite )?sure how to (?:ask|put|phrase|word) this|si no es mucha molestia");

/** Counts of the negation/constraint terms in `text`, lower-cased. */
export function protectedTermCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of text.replace(NOT_CONSTRAINTS, ' ').match(PROTECTED) ?? []) {
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

/** Characters of a text that detectLanguage reads: a sample is enough to tell the two apart. */
const LANGUAGE_SAMPLE = 8_192;

/** Rough language detection by counting very common words (plus Spanish-only characters). */
export function detectLanguage(fullText: string): Lang {
  const text = fullText.length > LANGUAGE_SAMPLE ? fullText.slice(0, LANGUAGE_SAMPLE) : fullText;
  const spanish = (text.match(SPANISH_HINTS)?.length ?? 0) + (text.match(/[ñ¿¡]/g)?.length ?? 0) * 2;
  const english = text.match(ENGLISH_HINTS)?.length ?? 0;
  return spanish > english ? 'es' : 'en';
}

// Punctuation left at the start of a sentence by a deletion ("Please." -> "").
const ORPHANED_PUNCTUATION = /^(?:[,;:]+|[.!?]+(?=\s|$))[ \t]*/;
const CLOSING_PUNCTUATION = /^[,;:.!?)]/;

const isBlank = (char: string): boolean => char === ' ' || char === '\t';

/**
 * The text before a gap, kept as pieces so that repairing its end (trailing blanks, a dangling
 * comma) touches only the end: re-reading the whole left side at each gap would be quadratic.
 */
class Joined {
  private readonly pieces: string[] = [];

  /** The last character, or '' when nothing is left. */
  last(): string {
    const piece = this.pieces.at(-1);
    return piece === undefined ? '' : piece[piece.length - 1]!;
  }

  trimEndBlanks(): void {
    while (this.pieces.length > 0) {
      const piece = this.pieces.at(-1)!;
      let end = piece.length;
      while (end > 0 && isBlank(piece[end - 1]!)) end--;
      if (end > 0) {
        this.pieces[this.pieces.length - 1] = piece.slice(0, end);
        return;
      }
      this.pieces.pop();
    }
  }

  /** Drops the last character when it is one of `chars`. */
  dropLastIf(chars: string): void {
    if (this.last() !== '' && chars.includes(this.last())) {
      const piece = this.pieces.pop()!.slice(0, -1);
      if (piece) this.pieces.push(piece);
    }
  }

  push(text: string): void {
    if (text) this.pieces.push(text);
  }

  toString(): string {
    return this.pieces.join('');
  }
}

/** Appends the text after a deletion, repairing spaces and orphaned punctuation. */
function joinAcrossGap(left: Joined, right: string): void {
  left.trimEndBlanks();
  const cap = right.startsWith(CAP) ? CAP : '';
  let r = right.slice(cap.length).replace(/^[ \t]+/, '');
  const last = left.last();
  const lineStart = last === '' || last === '\n';
  if (lineStart || '.!?'.includes(last)) r = r.replace(ORPHANED_PUNCTUATION, '');
  if (lineStart) return left.push(cap + r);
  if (r === '' || r.startsWith('\n')) left.dropLastIf(',;');
  else if (CLOSING_PUNCTUATION.test(r)) left.dropLastIf(',;:');
  else return left.push(` ${cap}${r}`);
  left.push(cap + r);
}

// Whole runs of markers, each matched once from its first marker.
const MARKER_RUN = /(?<![\u0001\u0002])[\u0001\u0002]+/g;
const CAPITALISE = /\u0001([^\p{L}\p{N}\uE000-\uF8FF\n]{0,3}?)(\p{Ll})/gu;

/** Resolves the GAP and CAP markers a rule left behind. */
export function resolveMarkers(text: string): string {
  if (!text.includes(GAP) && !text.includes(CAP)) return text;
  // Adjacent deletions form one gap (capitalising after it if any of them asked to).
  const merged = text.replace(MARKER_RUN, (run) => (run.includes(GAP) ? GAP + (run.includes(CAP) ? CAP : '') : run));
  const [first, ...rest] = merged.split(GAP);
  const joined = new Joined();
  joined.push(first!);
  for (const right of rest) joinAcrossGap(joined, right);
  return joined
    .toString()
    .replace(CAPITALISE, (_m, between: string, letter: string) => between + letter.toUpperCase())
    .replace(/\u0001/g, '')
    .replace(/\n[ \t]*\n(?:[ \t]*\n)+/g, '\n\n')
    .trim();
}
