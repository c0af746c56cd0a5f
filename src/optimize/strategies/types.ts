import type { Lang } from '../text.js';

/** What a strategy knows about the text it is given (always masked text, see protect.ts). */
export interface StrategyContext {
  lang: Lang;
  aggressive: boolean;
  role: 'prompt' | 'system';
}

/** A strategy is a pure text transformation. */
export type Strategy = (text: string, ctx: StrategyContext) => string;

export type StrategyName =
  | 'normalize_whitespace'
  | 'remove_politeness'
  | 'remove_redundancies'
  | 'condense_verbose_phrases'
  | 'shorten_system_message'
  | 'remove_low_information_words'
  | 'remove_articles';
