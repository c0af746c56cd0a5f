import type { Lang } from './text.js';
import {
  CAP, GAP, isSentenceStart, keepsProtectedTerms, protectedAfter, protectedBefore, resolveMarkers,
} from './text.js';

/** Where a rule's match may occur. */
export type Position = 'anywhere' | 'sentence-start' | 'whole-sentence' | 'mid-sentence';

/** Computes the replacement for a match; returning the match itself means "leave it". */
export type Replacer = (match: RegExpExecArray) => string;

/** One row of a rule table. Rules run on masked text, in table order. */
export interface Rule {
  id: string;
  pattern: RegExp; // must have the g flag
  replace: string | Replacer; // a string may use $1..$9
  /** Human sentence for recommendOptimizations; defaults to "Remove 'x'" / "Replace 'x' with 'y'". */
  advice?: (match: string, replacement: string) => string;
  position?: Position;
  lang?: Lang; // only for single words whose meaning differs between languages
  /** Fixed phrases like "if you don't mind" whose negation is not a constraint. */
  allowProtected?: boolean;
  /** Refuse when a negation/constraint is right before ('previous') or on either side. */
  guard?: 'previous' | 'neighbours';
}

export interface RuleContext {
  lang: Lang;
}

export interface Hit {
  start: number;
  end: number;
  match: string;
  replacement: string;
}

function expand(rule: Rule, match: RegExpExecArray): string {
  if (typeof rule.replace === 'function') return rule.replace(match);
  return rule.replace.replace(/\$(\d)/g, (_m, group: string) => match[Number(group)] ?? '');
}

function positionAllows(rule: Rule, text: string, start: number, end: number): boolean {
  const position = rule.position ?? 'anywhere';
  if (position === 'anywhere') return true;
  const atStart = isSentenceStart(text, start);
  if (position === 'mid-sentence' || !atStart) return position === 'mid-sentence' && !atStart;
  if (position === 'sentence-start') return true;
  // A whole sentence ends with its own punctuation, or at the end of its line.
  const rest = text.slice(end);
  return /[.!?:]$/.test(text.slice(start, end)) ? /^(?:\s|$)/.test(rest) : /^[ \t]*(?:\n|$)/.test(rest);
}

function guardAllows(rule: Rule, text: string, match: RegExpExecArray, end: number, replacement: string): boolean {
  if (!rule.allowProtected && !keepsProtectedTerms(match[0], replacement)) return false;
  if (rule.guard && protectedBefore(text, match.index)) return false;
  return rule.guard !== 'neighbours' || !protectedAfter(text, end);
}

/** The matches of `rule` in `text` that pass its position, language and protection checks. */
export function ruleHits(text: string, rule: Rule, ctx: RuleContext): Hit[] {
  if (rule.lang && rule.lang !== ctx.lang) return [];
  const hits: Hit[] = [];
  // The table's own regex, compiled once; nothing below re-enters it.
  const pattern = rule.pattern;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match[0] === '') {
      pattern.lastIndex += 1;
      continue;
    }
    const start = match.index;
    let end = start + match[0].length;
    if (!positionAllows(rule, text, start, end)) continue;
    const replacement = expand(rule, match);
    if (replacement === match[0] || !guardAllows(rule, text, match, end, replacement)) continue;
    if (rule.position === 'whole-sentence') end += /^[ \t]*/.exec(text.slice(end))![0].length;
    hits.push({ start, end, match: match[0], replacement });
  }
  return hits;
}

/** Keeps capitalisation when a sentence's first words are replaced ("Please write" -> "Write"). */
function startsCapitalised(text: string, start: number, end: number): boolean {
  const firstLetter = /\p{L}/u.exec(text.slice(start, end));
  return firstLetter !== null && /\p{Lu}/u.test(firstLetter[0]) && isSentenceStart(text, start);
}

/** Applies one rule to every accepted match. */
export function applyRule(text: string, rule: Rule, ctx: RuleContext): string {
  const hits = ruleHits(text, rule, ctx);
  if (hits.length === 0) return text;
  let out = '';
  let cursor = 0;
  for (const { start, end, replacement } of hits) {
    const gap = replacement.trim() === '' ? GAP : '';
    const cap = startsCapitalised(text, start, end) ? CAP : '';
    out += text.slice(cursor, start) + gap + cap + replacement;
    cursor = end;
  }
  return resolveMarkers(out + text.slice(cursor));
}

/** Applies the rules of a table in order. */
export function applyRules(text: string, rules: readonly Rule[], ctx: RuleContext): string {
  return rules.reduce((current, rule) => applyRule(current, rule, ctx), text);
}

/** The recommendation sentence for one hit of `rule` (match/replacement already unmasked). */
export function adviceFor(rule: Rule, match: string, replacement: string): string {
  if (rule.advice) return rule.advice(match, replacement);
  const quoted = `'${match.replace(/^[\s,;]+|[\s,;.!?]+$/g, '')}'`;
  return replacement.trim() === '' ? `Remove ${quoted}` : `Replace ${quoted} with '${replacement.trim()}'`;
}
