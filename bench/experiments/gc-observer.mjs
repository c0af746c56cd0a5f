// Preload for bench/experiments/gc-probe.mts: collects the gateway's GC pauses by kind and,
// on SIGUSR2, writes them to <tmpdir>/aigw-gc-<pid>.json and starts over.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const names = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
};
let pauses = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) (pauses[names[e.detail?.kind] ?? 'other'] ??= []).push(e.duration);
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  const out = {};
  for (const [kind, d] of Object.entries(pauses)) {
    const s = [...d].sort((a, b) => a - b);
    out[kind] = { count: d.length, p50Ms: s[Math.floor(s.length / 2)], maxMs: s.at(-1), totalMs: d.reduce((a, b) => a + b, 0) };
  }
  writeFileSync(join(tmpdir(), `aigw-gc-${process.pid}.json`), JSON.stringify(out));
  pauses = {};
});
