// Guards of meaning for similarity: two prompts that differ in a negation, a number, a unit, a
// date, a name or identifier, quoted text or code, a target language, a limiting word or a
// polarity word ask different things however many words they share, so such a pair is never
// similar. Each prompt is reduced once to a signature (linear in its length); two prompts may
// only match when their signatures agree: equal in every respect, except that a name need only
// occur in the other prompt in any case ("Australia" and "australia" are the same name).
// The word lists are data: meaning-guards.json.
import guardData from './meaning-guards.json' with { type: 'json' };
import { isSentenceStart } from './text.js';

export type GuardName = 'negation' | 'number' | 'unit' | 'date' | 'entity' | 'quoted' | 'language' | 'limiter' | 'polarity';

/** What a prompt says in each guarded respect, as canonical keys. */
export type GuardSignature = Record<GuardName, string[]>;

interface GuardData {
  negation: string[];
  limiter: Record<string, string[]>;
  polarity: Record<string, { up: string[]; down: string[] }>;
  unit: Record<string, string[]>;
  number_words: Record<string, string[]>;
  date: Record<string, string[]>;
  language: Record<string, string[]>;
}

const data = guardData as unknown as GuardData;

/** Lower case, no accents, apostrophes inside words dropped ("don't" -> "dont"). */
export function plainText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/(?<=\p{L})['’](?=\p{L})/gu, '');
}

/** word or phrase -> canonical keys, for one category. Phrases are matched on word boundaries. */
interface Lexicon {
  words: Map<string, string[]>;
  /** Multi-word phrases, longest first, with their keys. */
  phrases: [RegExp, string][];
}

function lexicon(entries: Iterable<[key: string, forms: string[]]>): Lexicon {
  const words = new Map<string, string[]>();
  const phrases: [RegExp, string][] = [];
  for (const [key, forms] of entries) {
    for (const form of forms) {
      const plain = plainText(form);
      if (/[\s]/.test(plain)) {
        const escaped = plain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
        phrases.push([new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu'), key]);
      } else {
        words.set(plain, [...(words.get(plain) ?? []), key]);
      }
    }
  }
  phrases.sort((a, b) => b[0].source.length - a[0].source.length);
  return { words, phrases };
}

const NEGATION = lexicon(data.negation.map((word) => ['not', [word]]));
const LIMITER = lexicon(Object.entries(data.limiter));
const POLARITY = lexicon(
  Object.entries(data.polarity).flatMap(([dimension, poles]) => [[`${dimension}:up`, poles.up], [`${dimension}:down`, poles.down]] as [string, string[]][]),
);
const UNIT = lexicon(Object.entries(data.unit));
const NUMBER_WORD = lexicon(Object.entries(data.number_words));
const DATE = lexicon(Object.entries(data.date));
const LANGUAGE = lexicon(Object.entries(data.language));

/** Every key of `lex` that occurs in the plain text (words and phrases), in order of occurrence. */
function keysIn(lex: Lexicon, plain: string, words: string[]): string[] {
  const keys: string[] = [];
  for (const word of words) for (const key of lex.words.get(word) ?? []) keys.push(key);
  for (const [pattern, key] of lex.phrases) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(plain); m; m = pattern.exec(plain)) keys.push(key);
  }
  return keys;
}

// Spans compared literally: code, quoted text, URLs, e-mail addresses, paths (bounded lengths).
const LITERALS = /```[\s\S]{0,20000}?```|`[^`\n]{1,500}`|"[^"\n]{1,500}"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|(?<![\p{L}\p{N}])'[^'\n]{1,300}'(?![\p{L}\p{N}])|\bhttps?:\/\/[^\s<>"'`]{1,2000}|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}|(?<![\w/])(?:~|\.{1,2})?\/[\w.@-]{1,200}(?:\/[\w.@-]{1,200}){0,30}/gu;
// Numbers with their separators ("1,250", "3.5", "2024-05-01", "10:30"), and what follows them.
const NUMBER = /(?<![\p{L}\p{N}])[$€£]?\d{1,30}(?:[.,:/-]\d{1,30}){0,6}(?:\s?(%|°[cfCF]|[A-Za-z]{1,12})(?![\p{L}\p{N}]))?/gu;
// Identifiers: snake_case, camelCase, dotted names, calls, flags, hashtags and mentions, words with digits.
const IDENTIFIER = /(?<![\w$])(?:[A-Za-z_$][\w$]{0,60}(?:\.[A-Za-z_$][\w$]{0,60}){1,8}|[A-Za-z_$][\w$]{0,60}\(\)|_*[A-Za-z0-9]{1,60}(?:_[A-Za-z0-9]{1,60}){1,8}|[a-z]{1,60}[A-Z][A-Za-z0-9]{0,60}|--?[a-z][\w-]{0,60}|[#@][\w-]{1,60}|(?=[A-Za-z][\w-]{0,60}\d)[A-Za-z][\w-]{1,60}|[A-Z]{2,20}s?)(?![\w$])/g;
const CAPITALISED = /(?<![\p{L}\p{N}'’])\p{Lu}[\p{L}\p{N}'’-]{0,60}/gu;
const WORD = /[\p{L}\p{N}]+/gu;
// Capitalised words that are not names: the pronoun I, and the guarded categories' own words.
const NOT_NAMES = new Set(['i', 'im', 'ive', 'id', 'ill']);

/** The signature of one prompt; linear in its length (every pattern above is bounded). */
export function guardSignature(text: string): GuardSignature {
  const quoted = [...text.matchAll(LITERALS)].map((m) => m[0].trim());
  // The rest of the checks do not look inside literal spans (they are compared whole).
  const rest = text.replace(LITERALS, ' ');
  const plain = plainText(rest);
  const words = plain.match(WORD) ?? [];

  const numbers: string[] = [];
  const units: string[] = [];
  for (const m of rest.matchAll(NUMBER)) {
    const value = m[0].replace(/^[$€£]/, '').replace(/\s?(%|°[cf]|[a-z]{1,12})$/i, '');
    numbers.push(value);
    const symbol = /^[$€£]/.exec(m[0])?.[0];
    if (symbol) units.push(...(UNIT.words.get(symbol) ?? []));
    if (m[1]) units.push(...(UNIT.words.get(plainText(m[1])) ?? []));
  }
  numbers.push(...keysIn(NUMBER_WORD, plain, words));
  // Unit words standing alone ("in seconds"): only the unambiguous, longer ones.
  for (const word of words) if (word.length >= 3) units.push(...(UNIT.words.get(word) ?? []));
  for (const [symbol, keys] of [['€', UNIT.words.get('€')], ['%', UNIT.words.get('%')]] as const) if (rest.includes(symbol)) units.push(...(keys ?? []));

  const languages = keysIn(LANGUAGE, plain, words);
  const dates = keysIn(DATE, plain, words);
  const guardedWords = new Set([...LANGUAGE.words.keys(), ...DATE.words.keys(), ...UNIT.words.keys()]);
  const entities: string[] = [...rest.matchAll(IDENTIFIER)].map((m) => m[0].toLowerCase()).filter((word) => !guardedWords.has(plainText(word)));
  for (const m of rest.matchAll(CAPITALISED)) {
    const word = plainText(m[0]);
    if (NOT_NAMES.has(word) || guardedWords.has(word) || isSentenceStart(rest, m.index)) continue;
    entities.push(word);
  }

  return {
    negation: keysIn(NEGATION, plain, words),
    number: numbers,
    unit: units,
    date: dates,
    entity: entities,
    quoted,
    language: languages,
    limiter: keysIn(LIMITER, plain, words),
    polarity: keysIn(POLARITY, plain, words),
  };
}

/** Negations are counted ("not X and not Y" is not "not X"); everything else is a set. */
const COUNTED: ReadonlySet<GuardName> = new Set(['negation']);
export const GUARD_NAMES = ['negation', 'number', 'unit', 'date', 'entity', 'quoted', 'language', 'limiter', 'polarity'] as const satisfies readonly GuardName[];

/** A signature ready for comparison: a canonical string per guard, plus the prompt's words. */
export interface GuardKeys {
  keys: Record<GuardName, string>;
  entities: string[];
  words: Set<string>;
}

export function signatureKeys(signature: GuardSignature, text = ''): GuardKeys {
  const keys = {} as Record<GuardName, string>;
  for (const name of GUARD_NAMES) {
    const values = COUNTED.has(name) ? [...signature[name]] : [...new Set(signature[name])];
    keys[name] = values.sort().join('\u0000');
  }
  const words = new Set(plainText(text).match(WORD) ?? []);
  for (const entity of signature.entity) words.add(entity);
  return { keys, entities: [...new Set(signature.entity)], words };
}

/** Every name or identifier of `a` is a word of `b` (in any case). */
const namesIn = (a: GuardKeys, b: GuardKeys): boolean => a.entities.every((entity) => b.words.has(entity));

/** The guards on which two prompts differ (empty when they may be similar). */
export function blockedBy(a: GuardKeys, b: GuardKeys): GuardName[] {
  return GUARD_NAMES.filter((name) => (name === 'entity' ? !(namesIn(a, b) && namesIn(b, a)) : a.keys[name] !== b.keys[name]));
}

/** The guard keys of `text`. */
export const guardKeys = (text: string): GuardKeys => signatureKeys(guardSignature(text), text);

/** Guard keys of each text, computed on first use. */
export function guardKeysOf(texts: string[]): (index: number) => GuardKeys {
  const cache = new Map<number, GuardKeys>();
  return (index) => {
    let keys = cache.get(index);
    if (!keys) {
      keys = guardKeys(texts[index]!);
      cache.set(index, keys);
    }
    return keys;
  };
}
