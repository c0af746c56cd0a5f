import { MAX_OPTIMIZE_CHARS } from './limits.js';
import { MaskTable } from './protect.js';
import type { Rule } from './rules.js';
import { adviceFor, applyRule, ruleHits } from './rules.js';
import { LOW_INFORMATION_RULES } from './strategies/low-information.js';
import { normalizeWhitespace } from './strategies/normalize-whitespace.js';
import { POLITENESS_PASSES } from './strategies/politeness.js';
import { removeRedundancies, repeatedSentences } from './strategies/redundancies.js';
import { SYSTEM_MESSAGE_RULES } from './strategies/system-message.js';
import { VERBOSE_PHRASE_RULES } from './strategies/verbose-phrases.js';
import type { Lang } from './text.js';
import { detectLanguage } from './text.js';

export interface RecommendationResult {
  recommendations: string[];
  hasOptimizationOpportunities: boolean;
}

/** Collects advice for each rule hit while applying the rules, like the optimizer would. */
function adviseRules(text: string, rules: readonly Rule[], lang: Lang, masks: MaskTable, advice: Set<string>): string {
  return rules.reduce((current, rule) => {
    for (const hit of ruleHits(current, rule, { lang })) {
      advice.add(adviceFor(rule, masks.restore(hit.match), masks.restore(hit.replacement)));
    }
    return applyRule(current, rule, { lang });
  }, text);
}

function adviseField(text: string, role: 'prompt' | 'system', lang: Lang, masks: MaskTable, advice: Set<string>): void {
  if (text.length > MAX_OPTIMIZE_CHARS) {
    advice.add(`The ${role === 'prompt' ? 'prompt' : 'system message'} is longer than ${MAX_OPTIMIZE_CHARS} characters; the optimizer leaves it as it is`);
    return;
  }
  let masked = masks.mask(text);
  if (normalizeWhitespace(masked, { lang, aggressive: false, role }) !== masked) advice.add('Remove redundant whitespace');
  masked = normalizeWhitespace(masked, { lang, aggressive: false, role });
  for (const rules of POLITENESS_PASSES) masked = adviseRules(masked, rules, lang, masks, advice);
  for (const sentence of repeatedSentences(masked)) {
    advice.add(`Remove the repeated sentence "${masks.restore(sentence.text).trim()}"`);
  }
  masked = adviseRules(removeRedundancies(masked, { lang, aggressive: false, role }), VERBOSE_PHRASE_RULES, lang, masks, advice);
  if (role === 'system') adviseRules(masked, SYSTEM_MESSAGE_RULES, lang, masks, advice);
  const fillers = [...new Set(LOW_INFORMATION_RULES.flatMap((rule) => ruleHits(masked, rule, { lang }).map((hit) => hit.match.trim().replace(/,$/, '').toLowerCase())))];
  if (fillers.length > 0) {
    advice.add(`Drop low-information words (aggressive mode): ${fillers.slice(0, 5).map((word) => `'${masks.restore(word)}'`).join(', ')}`);
  }
}

/**
 * Human-readable suggestions for making a prompt shorter, derived from the same rule tables
 * the optimizer applies.
 */
export function recommendOptimizations(prompt: string, systemMessage?: string | null): RecommendationResult {
  const masks = new MaskTable();
  const lang = detectLanguage(`${prompt}\n${systemMessage ?? ''}`);
  const advice = new Set<string>();
  adviseField(prompt, 'prompt', lang, masks, advice);
  if (systemMessage) adviseField(systemMessage, 'system', lang, masks, advice);
  const recommendations = [...advice];
  return { recommendations, hasOptimizationOpportunities: recommendations.length > 0 };
}
