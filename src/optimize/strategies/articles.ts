import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Aggressive: drops articles. Per language, because "a" is a Spanish preposition; never next to
 * a negation/constraint ("un solo valor" keeps "un"); "a few"/"a little" keep their "a".
 */
// Only before a word (or a protected span): "a + b" keeps its variable "a".
const BEFORE_WORD = '(?=\\s+[\\p{L}\\uE000])';

export const ARTICLE_RULES: readonly Rule[] = [
  { id: 'articles:en', lang: 'en', pattern: phrase(`(?:the|an|a(?! (?:few|little|lot|bit|couple|while|look|try)\\b))${BEFORE_WORD}`), replace: '', guard: 'neighbours' },
  { id: 'articles:es', lang: 'es', pattern: phrase(`(?:el|la|los|las|un|una|unos|unas)${BEFORE_WORD}`), replace: '', guard: 'neighbours' },
];

export const removeArticles: Strategy = (text, ctx) => applyRules(text, ARTICLE_RULES, ctx);
