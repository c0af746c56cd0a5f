import { MAX_OPTIMIZE_CHARS } from './limits.js';
import { MaskTable, placeholdersOf } from './protect.js';
import { removeArticles } from './strategies/articles.js';
import { removeLowInformationWords } from './strategies/low-information.js';
import { normalizeWhitespace } from './strategies/normalize-whitespace.js';
import { removePoliteness } from './strategies/politeness.js';
import { removeRedundancies } from './strategies/redundancies.js';
import { condenseVerbosePhrases } from './strategies/verbose-phrases.js';
import { shortenSystemMessage } from './strategies/system-message.js';
import type { Strategy, StrategyContext, StrategyName } from './strategies/types.js';
import { detectLanguage, protectedTermCounts, resolveMarkers } from './text.js';
import { countTokens, tokenizerFor, tokenizerIsExact, type EncodingName } from './tokenizer.js';

export interface OptimizeInput {
  prompt: string;
  systemMessage?: string | null;
  aggressive?: boolean;
  /** The target model: selects the tokenizer of its family for the statistics. */
  model?: string;
}

export interface OptimizeStats {
  originalLength: number;
  optimizedLength: number;
  originalTokens: number;
  optimizedTokens: number;
  tokensSaved: number;
  reductionPercentage: number;
  strategiesApplied: StrategyName[];
  /** The encoding the token counts come from (the target model's family, see tokenizer.ts). */
  tokenizer: EncodingName;
  /** False when the model has a tokenizer of its own that the counts only approximate. */
  tokenizerExact: boolean;
}

export interface OptimizeResult {
  optimizedPrompt: string;
  optimizedSystemMessage: string | null;
  stats: OptimizeStats;
}

interface PipelineStep {
  name: StrategyName;
  apply: Strategy;
  aggressiveOnly: boolean;
}

/** Strategy order matters: fillers containing articles ("a bit") go before the articles. */
export const PIPELINE: readonly PipelineStep[] = [
  { name: 'normalize_whitespace', apply: normalizeWhitespace, aggressiveOnly: false },
  { name: 'remove_politeness', apply: removePoliteness, aggressiveOnly: false },
  { name: 'condense_verbose_phrases', apply: condenseVerbosePhrases, aggressiveOnly: false },
  { name: 'shorten_system_message', apply: shortenSystemMessage, aggressiveOnly: false },
  // After the rewrites above, so that two wordings of the same sentence compare equal.
  { name: 'remove_redundancies', apply: removeRedundancies, aggressiveOnly: false },
  { name: 'remove_low_information_words', apply: removeLowInformationWords, aggressiveOnly: true },
  { name: 'remove_articles', apply: removeArticles, aggressiveOnly: true },
];

type Role = StrategyContext['role'];

/** True when `after` still holds every protected span and every negation/constraint of `before`. */
function keepsProtections(before: string, after: string): boolean {
  const isSubset = (a: Set<string>, b: Set<string>) => [...a].every((item) => b.has(item));
  if (!isSubset(placeholdersOf(before), placeholdersOf(after))) return false;
  // Removing a repeated sentence legitimately lowers counts, so compare the sets of terms.
  return isSubset(new Set(protectedTermCounts(before).keys()), new Set(protectedTermCounts(after).keys()));
}

/** Runs one step on one field; a step that would lose a protection is discarded for that field. */
function runStep(step: PipelineStep, text: string, ctx: StrategyContext): string {
  const out = resolveMarkers(step.apply(text, ctx));
  return keepsProtections(text, out) ? out : text;
}

function tokensOf(prompt: string, system: string | null, model?: string): number {
  return countTokens(prompt, model) + (system ? countTokens(system, model) : 0);
}

/** Fewest tokens a rewrite must save to be used (see optimizePrompt). */
export const MIN_TOKENS_SAVED = 3;

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * Rewrites a prompt (and optional system message) into a shorter one with the same meaning.
 * Protected spans (code, quotes, URLs, e-mails, numbers, names, identifiers) are masked first
 * and restored verbatim; negations and constraints are never removed.
 */
export function optimizePrompt(input: OptimizeInput): OptimizeResult {
  const { prompt, aggressive = false, model } = input;
  const system = input.systemMessage ?? null;
  const masks = new MaskTable();
  const lang = detectLanguage(`${prompt}\n${system ?? ''}`);
  // A field longer than MAX_OPTIMIZE_CHARS is left as it is (null: no strategy sees it).
  const maskField = (text: string | null) => (text === null || text.length > MAX_OPTIMIZE_CHARS ? null : masks.mask(text));
  const fields: Record<Role, string | null> = { prompt: maskField(prompt), system: maskField(system) };
  const applied: StrategyName[] = [];

  for (const step of PIPELINE) {
    if (step.aggressiveOnly && !aggressive) continue;
    let changed = false;
    for (const role of ['prompt', 'system'] as const) {
      const text = fields[role];
      if (text === null) continue;
      const out = runStep(step, text, { lang, aggressive, role });
      changed ||= out !== text;
      fields[role] = out;
    }
    if (changed) applied.push(step.name);
  }

  let optimizedPrompt = fields.prompt === null ? prompt : masks.restore(fields.prompt);
  let optimizedSystemMessage = fields.system === null ? system : masks.restore(fields.system);
  const originalTokens = tokensOf(prompt, system, model);
  const unchanged = optimizedPrompt === prompt && optimizedSystemMessage === system;
  let optimizedTokens = unchanged ? originalTokens : tokensOf(optimizedPrompt, optimizedSystemMessage, model);
  // A rewrite that saves next to nothing ("Shorter, please." -> "Shorter.") is not worth any risk
  // to the answer: a terse prompt is sent as written.
  if (originalTokens - optimizedTokens < MIN_TOKENS_SAVED) {
    optimizedPrompt = prompt;
    optimizedSystemMessage = system;
    optimizedTokens = originalTokens;
    applied.length = 0;
  }
  const tokensSaved = originalTokens - optimizedTokens;
  return {
    optimizedPrompt,
    optimizedSystemMessage,
    stats: {
      originalLength: prompt.length + (system?.length ?? 0),
      optimizedLength: optimizedPrompt.length + (optimizedSystemMessage?.length ?? 0),
      originalTokens,
      optimizedTokens,
      tokensSaved,
      reductionPercentage: originalTokens > 0 ? round1((tokensSaved / originalTokens) * 100) : 0,
      strategiesApplied: applied,
      tokenizer: tokenizerFor(model),
      tokenizerExact: tokenizerIsExact(model),
    },
  };
}
