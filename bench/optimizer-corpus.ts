// The optimizer's figures on the prompt corpus (test/fixtures/prompt-corpus.json): the
// development part by default (the one rules are tuned on), with per-prompt detail on request;
// the held-out part only as aggregates, and only with --held-out (see issue 23's method).
//   npx tsx bench/optimizer-corpus.ts [--show <id>] [--verbose] [--held-out]
import { optimizePrompt } from '../src/optimize/optimizer.js';
import { DEVELOPMENT, HELD_OUT, evaluate, type CorpusEntry, type CorpusFigures } from '../test/helpers/corpus.js';

const args = process.argv.slice(2);
const show = args.includes('--show') ? args[args.indexOf('--show') + 1] : undefined;

const line = (part: string, mode: string, f: CorpusFigures, withIds: boolean): string =>
  `${part} ${mode}: median ${Math.round(f.medianVerbose * 100) / 100}% on verbose prompts; ${f.lost.length} of ${f.facts} facts lost (${((f.lost.length / f.facts) * 100).toFixed(2)}%); terse changed ${f.changedTerse.length}` +
  (withIds ? `${f.lost.map((l) => `\n  lost ${l.id}: ${l.fact}`).join('')}${f.changedTerse.map((id) => `\n  terse changed ${id}`).join('')}` : '');

if (show) {
  const e = DEVELOPMENT.find((x) => x.id === show);
  if (!e) throw new Error(`${show} is not a development prompt`);
  for (const aggressive of [false, true]) {
    const r = optimizePrompt({ prompt: e.prompt, systemMessage: e.system_message, aggressive });
    console.log(`--- ${aggressive ? 'aggressive' : 'normal'} ${r.stats.reductionPercentage}% ${r.stats.strategiesApplied.join(',')}`);
    if (r.optimizedSystemMessage) console.log(`[system] ${r.optimizedSystemMessage}`);
    console.log(r.optimizedPrompt);
  }
  console.log(`--- original\n${e.system_message ? `[system] ${e.system_message}\n` : ''}${e.prompt}\nfacts: ${JSON.stringify(e.facts)}`);
} else {
  for (const aggressive of [false, true]) console.log(line('development', aggressive ? 'aggressive' : 'normal', evaluate(DEVELOPMENT, aggressive), true));
  if (args.includes('--verbose')) {
    const rows = DEVELOPMENT.filter((e: CorpusEntry) => e.kind === 'verbose').map((e) => {
      const pct = (aggressive: boolean) => optimizePrompt({ prompt: e.prompt, systemMessage: e.system_message, aggressive }).stats.reductionPercentage;
      return { id: e.id, normal: pct(false), aggressive: pct(true) };
    });
    rows.sort((a, b) => a.normal - b.normal);
    for (const r of rows) console.log(`${r.id.padEnd(24)} ${String(r.normal).padStart(5)} ${String(r.aggressive).padStart(5)}`);
  }
  if (args.includes('--held-out')) {
    for (const aggressive of [false, true]) console.log(line('held-out', aggressive ? 'aggressive' : 'normal', evaluate(HELD_OUT, aggressive), false));
  }
}
