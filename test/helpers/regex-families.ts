// Every regular expression of src/, grouped by family; each job runs the whole family over one
// input (test/unit/regex-adversarial.test.ts runs them on hostile inputs under a CPU deadline).
import { csvCell } from '../../src/rest/routes/analytics.js';
import { parseRateLimit } from '../../src/config.js';
import { globToRegExp } from '../../src/kv/memory.js';
import { normalizePrompt } from '../../src/optimize/batch.js';
import { guardKeys } from '../../src/optimize/meaning-guards.js';
import { MaskTable } from '../../src/optimize/protect.js';
import { REQUEST_RULES } from '../../src/optimize/requests.js';
import type { Rule } from '../../src/optimize/rules.js';
import { applyRule } from '../../src/optimize/rules.js';
import { ARTICLE_RULES } from '../../src/optimize/strategies/articles.js';
import { LOW_INFORMATION_RULES } from '../../src/optimize/strategies/low-information.js';
import { normalizeWhitespace } from '../../src/optimize/strategies/normalize-whitespace.js';
import { POLITENESS_RULES } from '../../src/optimize/strategies/politeness.js';
import { removeRedundancies } from '../../src/optimize/strategies/redundancies.js';
import { SYSTEM_MESSAGE_RULES } from '../../src/optimize/strategies/system-message.js';
import { VERBOSE_PHRASE_RULES } from '../../src/optimize/strategies/verbose-phrases.js';
import { createLocalSimilarity } from '../../src/optimize/similarity.js';
import { GAP, detectLanguage, isSentenceStart, protectedAfter, protectedBefore, resolveMarkers } from '../../src/optimize/text.js';
import { boundedPieces } from '../../src/optimize/tokenizer.js';
import { cleanMessage, parseRetryAfter } from '../../src/providers/upstream-error.js';

/** Every rule of a table, in both languages, on the text as the optimizer sees it (masked). */
const ruleTable = (rules: readonly Rule[]) => (text: string) => {
  const masked = new MaskTable().mask(text);
  for (const lang of ['en', 'es'] as const) for (const rule of rules) applyRule(masked, rule, { lang });
};

const ctx = { lang: 'en', aggressive: true, role: 'prompt' } as const;
const similarity = createLocalSimilarity();

export const RULE_TABLES: Record<string, readonly Rule[]> = {
  politeness: POLITENESS_RULES,
  requests: REQUEST_RULES,
  'verbose phrases': VERBOSE_PHRASE_RULES,
  'low-information words': LOW_INFORMATION_RULES,
  articles: ARTICLE_RULES,
  'system message': SYSTEM_MESSAGE_RULES,
};

export const REGEX_FAMILIES: Record<string, (text: string) => unknown> = {
  'protected spans (protect.ts)': (t) => new MaskTable().mask(t),
  ...Object.fromEntries(Object.entries(RULE_TABLES).map(([name, rules]) => [`rule table: ${name}`, ruleTable(rules)])),
  'sentence, gap and language helpers (text.ts)': (t) => {
    // A gap at every 7th character stands for the deletions of many rule hits.
    const gapped = t.replace(/(.{7})/gs, `$1${GAP}`);
    resolveMarkers(gapped);
    detectLanguage(t);
    for (let i = 0; i < t.length; i += 97) [isSentenceStart(t, i), protectedBefore(t, i), protectedAfter(t, i)];
  },
  'whitespace and repeated sentences': (t) => [normalizeWhitespace(t, ctx), removeRedundancies(t, ctx)],
  'tokenizer pieces, similarity words, batch keys': (t) => [boundedPieces(t), similarity.vectorize(t), normalizePrompt(t)],
  'meaning guards (meaning-guards.ts)': (t) => guardKeys(t),
  'other src regexes (config, upstream errors, CSV, key globs)': (t) => [
    parseRateLimit(t), parseRetryAfter(t), cleanMessage(t, 'sk-secret'), csvCell(t), globToRegExp('c:local:*').test(t),
  ],
};
