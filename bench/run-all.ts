// `npm run bench`: every benchmark in sequence, each in its own process, then the
// targets of the issue in one table. Flags (e.g. --quick) are passed to each script.
// --only also runs the scripts left out by default (profile, analytics-dashboard).
//   npm run bench [-- --quick] [-- --only overhead,capacity]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/proc.js';
import { machine, RESULTS_DIR } from './lib/results.js';
import { printTable } from './lib/table.js';

const SCRIPTS = ['upstream-ceiling', 'overhead', 'capacity', 'cache', 'streaming', 'optimizer', 'startup'];
const ON_REQUEST = ['profile', 'analytics-dashboard'];
const { values, positionals } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean' } }, allowPositionals: true, strict: false });
const only = typeof values.only === 'string' ? values.only.split(',') : SCRIPTS;
for (const name of only) if (![...SCRIPTS, ...ON_REQUEST].includes(name)) throw new Error(`--only: no benchmark ${name} (${[...SCRIPTS, ...ON_REQUEST].join(', ')})`);
const passThrough = [...(values.quick ? ['--quick'] : []), ...positionals];

const m = machine();
console.log(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, ${m.platform}`);
const started = performance.now();
const outcome: [string, string, number][] = [];
for (const name of [...SCRIPTS, ...ON_REQUEST].filter((s) => only.includes(s))) {
  console.log(`\n========== ${name} ==========`);
  const t0 = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', `${name}.ts`), ...passThrough], { cwd: ROOT, stdio: 'inherit' });
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  outcome.push([name, code === 0 ? 'ok' : `failed (exit ${code})`, (performance.now() - t0) / 1000]);
}

const targets: [string, string, boolean | null][] = [];
for (const [name] of outcome) {
  const file = path.join(RESULTS_DIR, `${name}-latest.json`);
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8')) as { targetsMet?: Record<string, boolean> };
  for (const [k, v] of Object.entries(r.targetsMet ?? {})) targets.push([name, k, v]);
}
printTable('Scripts', ['script', 'outcome', 'seconds'], outcome);
if (targets.length) printTable('Targets of the issue', ['benchmark', 'target', 'met'], targets);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(ROOT, RESULTS_DIR)}/`);
process.exit(outcome.every(([, o]) => o === 'ok') ? 0 : 1);
