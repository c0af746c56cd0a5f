// Prompt optimizer and tokenizer throughput, in-process, over the held-out corpus
// (test/fixtures/prompt-corpus.json), with its savings on the development and held-out parts.
//   node --import tsx bench/optimizer.ts [--quick] [--rounds 5]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs, numberArg } from './lib/args.js';
import { GATEWAY_ROOT } from './lib/proc.js';
import { runBench } from './lib/run.js';
import { median, summarize } from './lib/stats.js';
import { printTable } from './lib/table.js';

const { optimizePrompt } = (await import(pathToFileURL(path.join(GATEWAY_ROOT, 'src/optimize/optimizer.ts')).href)) as typeof import('../src/optimize/optimizer.js');
const { countTokens } = (await import(pathToFileURL(path.join(GATEWAY_ROOT, 'src/optimize/tokenizer.ts')).href)) as typeof import('../src/optimize/tokenizer.js');

const args = benchArgs({ rounds: { type: 'string' }, 'duration-ms': { type: 'string' } });
const rounds = numberArg(args, 'rounds', args.quick ? 2 : 5);
const durationMs = numberArg(args, 'duration-ms', args.quick ? 300 : 1000);

interface Fixture { id: string; prompt: string; system_message?: string }
const fixtures = JSON.parse(readFileSync(path.join(GATEWAY_ROOT, 'test/fixtures/prompt-corpus.json'), 'utf8')) as Fixture[];
const corpus = (await import(pathToFileURL(path.join(GATEWAY_ROOT, 'test/helpers/corpus.ts')).href)) as typeof import('../test/helpers/corpus.js');

/** Runs passes over the corpus until durationMs; returns items per second and per-item times (µs). */
function timed<T>(items: T[], fn: (x: T) => unknown): { perSecond: number; perItemUs: number[] } {
  const perItemUs: number[] = [];
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durationMs) {
    for (const x of items) {
      const t = performance.now();
      fn(x);
      perItemUs.push((performance.now() - t) * 1000);
      n++;
    }
  }
  return { perSecond: n / ((performance.now() - start) / 1000), perItemUs };
}

await runBench('optimizer', async () => {
  const modes = [
    { id: 'normal', aggressive: false },
    { id: 'aggressive', aggressive: true },
  ];
  const run = (aggressive: boolean) => (f: Fixture) => optimizePrompt({ prompt: f.prompt, systemMessage: f.system_message ?? null, aggressive, model: 'gpt-4o-mini' });
  // Warm-up, and the reduction each mode achieves on the corpus.
  const reduction: Record<string, number> = {};
  for (const m of modes) {
    let before = 0;
    let after = 0;
    for (let i = 0; i < 3; i++) for (const f of fixtures) {
      const r = run(m.aggressive)(f);
      if (i === 0) {
        before += r.stats.originalTokens;
        after += r.stats.optimizedTokens;
      }
    }
    reduction[m.id] = ((before - after) / before) * 100;
  }
  const opt: Record<string, { perSecond: number[]; p50Us: number[]; p99Us: number[] }> = {};
  for (const m of modes) opt[m.id] = { perSecond: [], p50Us: [], p99Us: [] };
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      const t = timed(fixtures, run(m.aggressive));
      const s = summarize(t.perItemUs);
      opt[m.id]!.perSecond.push(t.perSecond);
      opt[m.id]!.p50Us.push(s.p50);
      opt[m.id]!.p99Us.push(s.p99);
    }
  }

  // Tokenizer: the corpus (prompt + system), a long text, and one-word stream chunks.
  const texts = fixtures.map((f) => `${f.prompt}${f.system_message ? `\n${f.system_message}` : ''}`);
  const long = [texts.join('\n\n').repeat(5)];
  const words = texts.join(' ').split(/\s+/).slice(0, 2_000).map((w) => ` ${w}`);
  const encodings = [
    { id: 'o200k_base', model: 'gpt-4o-mini' },
    { id: 'cl100k_base', model: 'gpt-4' },
  ];
  const tokenRows: { encoding: string; input: string; tokens: number; usPer1000Tokens: number; usPerCall: number }[] = [];
  for (const e of encodings) {
    for (const [input, items] of [['corpus prompts', texts], ['long text', long], ['one-word chunks', words]] as const) {
      const tokens = items.reduce((n, t) => n + countTokens(t, e.model), 0);
      timed(items, (t) => countTokens(t, e.model)); // warm-up
      const perRound: { us1000: number; usCall: number }[] = [];
      for (let r = 0; r < rounds; r++) {
        const t = timed(items, (x) => countTokens(x, e.model));
        const calls = t.perItemUs.length;
        const totalUs = (calls / t.perSecond) * 1e6;
        perRound.push({ us1000: (totalUs / ((calls / items.length) * tokens)) * 1000, usCall: totalUs / calls });
      }
      tokenRows.push({ encoding: e.id, input, tokens, usPer1000Tokens: median(perRound.map((p) => p.us1000)), usPerCall: median(perRound.map((p) => p.usCall)) });
    }
  }

  // Savings on each part of the corpus (the rules are tuned on development only).
  const savingsRows = (['development', 'held-out'] as const).flatMap((part) =>
    modes.map((m) => {
      const f = corpus.evaluate(part === 'development' ? corpus.DEVELOPMENT : corpus.HELD_OUT, m.aggressive, 'gpt-4o-mini');
      return { part, mode: m.id, medianVerbose: f.medianVerbose, factsLost: f.lost.length, facts: f.facts, terseChanged: f.changedTerse.length, lost: f.lost };
    }),
  );
  printTable('Savings on the prompt corpus (median token reduction on verbose prompts)', ['part', 'mode', 'median %', 'facts lost', 'of facts', 'terse changed'],
    savingsRows.map((r) => [r.part, r.mode, r.medianVerbose, r.factsLost, r.facts, r.terseChanged]));

  const optRows = modes.map((m) => ({
    mode: m.id,
    promptsPerSecond: median(opt[m.id]!.perSecond),
    p50Us: median(opt[m.id]!.p50Us),
    p99Us: median(opt[m.id]!.p99Us),
    tokenReductionPct: reduction[m.id]!,
  }));
  printTable(`Prompt optimizer over ${fixtures.length} prompts (median of ${rounds} rounds)`, ['mode', 'prompts/s', 'p50 µs/prompt', 'p99 µs/prompt', 'tokens saved %'],
    optRows.map((r) => [r.mode, r.promptsPerSecond, r.p50Us, r.p99Us, r.tokenReductionPct]));
  printTable(`countTokens (src/optimize/tokenizer.ts, gpt-tokenizer; median of ${rounds} rounds)`, ['encoding', 'input', 'tokens', 'µs per 1,000 tokens', 'µs per call'],
    tokenRows.map((r) => [r.encoding, r.input, r.tokens, r.usPer1000Tokens, r.usPerCall]));
  return { setup: { prompts: fixtures.length, rounds, durationMs, inProcess: true, core: 'load core (1)' }, optimizer: optRows, savings: savingsRows, tokenizer: tokenRows, raw: opt };
});
