import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Aggressive: drops definite articles, per language, never next to a negation or limiting word.
 * Indefinite articles stay: "a"/"an"/"un"/"una" often mean "one" ("just a number", "una frase":
 * one sentence, not any), and which ones do cannot be told reliably from the words alone.
 */
// Only before a word (or a protected span): "a + b" keeps its variable "a".
const BEFORE_WORD = '(?=\\s+[\\p{L}\\uE000])';
// "los que son deseables", "el de abajo": the article stands for a noun (a pronoun) and stays; so
// does "las" of a time ("a las 8", "desde las 9").
const ES_PRONOUN_USE = '(?! (?:que|de|del|cual|cuales)(?![\\p{L}]))(?!(?<=(?:a|desde|hasta|sobre|entre) (?:la|las)) \\uE000)';
export const ARTICLE_RULES: readonly Rule[] = [
  { id: 'articles:en', lang: 'en', pattern: phrase(`the${BEFORE_WORD}`), replace: '', guard: 'neighbours' },
  // "la", "los", "las" are also object pronouns ("me las preparas", "no la hemos pagado"): not
  // after another pronoun or before a form of haber.
  {
    id: 'articles:es', lang: 'es',
    pattern: phrase(`(?<!(?<![\\p{L}])(?:me|te|se|nos|os|le|les|ya|que) )(?:el|la|los|las)${BEFORE_WORD}(?! (?:he|has|ha|hemos|habéis|han|había|habría|haya)(?![\\p{L}]))${ES_PRONOUN_USE}`),
    replace: '', guard: 'neighbours',
  },
];

export const removeArticles: Strategy = (text, ctx) => applyRules(text, ARTICLE_RULES, ctx);
