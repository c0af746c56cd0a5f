// The held-out prompt corpus (test/fixtures/prompt-corpus.json): prompts written from the tasks
// people send a gateway, each with the facts and constraints an answer depends on, split once by
// a hash of the prompt into development (rules are tuned on it) and held-out (only measured).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { optimizePrompt } from '../../src/optimize/optimizer.js';

export interface CorpusEntry {
  id: string;
  lang: 'en' | 'es';
  kind: 'verbose' | 'terse';
  task: string;
  prompt: string;
  system_message?: string;
  /** Phrases that must still be in the prompt or system message after optimization. */
  facts: string[];
}

export const CORPUS: CorpusEntry[] = JSON.parse(readFileSync(new URL('../fixtures/prompt-corpus.json', import.meta.url), 'utf8'));
export const PINNED_SPLIT: { rule: string; heldout: Record<string, string> } = JSON.parse(
  readFileSync(new URL('../fixtures/prompt-corpus-split.json', import.meta.url), 'utf8'),
);

/** The text the split hashes: the prompt, plus a newline and the system message when there is one. */
export const splitText = (e: CorpusEntry): string => (e.system_message === undefined ? e.prompt : `${e.prompt}\n${e.system_message}`);
export const splitHash = (e: CorpusEntry): string => createHash('sha256').update(splitText(e)).digest('hex');
/** Held-out when the first 8 hex digits of the hash, as an integer, are divisible by 3 (a third). */
export const isHeldOut = (e: CorpusEntry): boolean => Number.parseInt(splitHash(e).slice(0, 8), 16) % 3 === 0;

export const DEVELOPMENT = CORPUS.filter((e) => !isHeldOut(e));
export const HELD_OUT = CORPUS.filter(isHeldOut);

/**
 * A fact survives when it is still in the text, compared case-insensitively with runs of
 * whitespace as one space and definite articles (the, el, la, los, las) ignored: they never carry
 * a fact. Indefinite articles count ("a number", "una frase" say how many).
 */
const comparable = (text: string): string =>
  ` ${text.toLowerCase().replace(/\s+/g, ' ')} `.replace(/(?<=[\s"“«(¿¡'])(?:the|el|la|los|las) /gu, '').replace(/ +/g, ' ');

export function factSurvives(fact: string, text: string): boolean {
  return comparable(text).includes(comparable(fact).trim());
}

export interface CorpusFigures {
  /** Median token reduction (percent) over the verbose prompts. */
  medianVerbose: number;
  facts: number;
  lost: { id: string; fact: string }[];
  /** Terse prompts the optimizer changed. */
  changedTerse: string[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function evaluate(entries: CorpusEntry[], aggressive: boolean, model?: string): CorpusFigures {
  const reductions: number[] = [];
  const lost: CorpusFigures['lost'] = [];
  const changedTerse: string[] = [];
  let facts = 0;
  for (const e of entries) {
    const r = optimizePrompt({ prompt: e.prompt, systemMessage: e.system_message, aggressive, model });
    const out = `${r.optimizedPrompt}\n${r.optimizedSystemMessage ?? ''}`;
    for (const fact of e.facts) {
      facts++;
      if (!factSurvives(fact, out)) lost.push({ id: e.id, fact });
    }
    if (e.kind === 'verbose') reductions.push(r.stats.reductionPercentage);
    else if (r.optimizedPrompt !== e.prompt || (r.optimizedSystemMessage ?? undefined) !== e.system_message) changedTerse.push(e.id);
  }
  return { medianVerbose: median(reductions), facts, lost, changedTerse };
}
