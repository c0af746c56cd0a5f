// node --expose-gc incr.mjs spec1 spec2 ... : import each in turn, report heap/rss deltas after GC
const MiB = (x) => (x / 1048576).toFixed(1);
function snap() { for (let i = 0; i < 3; i++) globalThis.gc(); const m = process.memoryUsage(); return m; }
let prev = snap();
console.log(`start rss ${MiB(prev.rss)} heapUsed ${MiB(prev.heapUsed)}`);
for (const spec of process.argv.slice(2)) {
  const t = performance.now();
  if (spec.startsWith('call|')) { const [, mod, fn, arg] = spec.split('|'); const m = await import(mod); m[fn](arg ?? 'x'); }
  else await import(spec);
  const ms = performance.now() - t;
  const m = snap();
  console.log(`${spec.padEnd(60)} ${ms.toFixed(0).padStart(5)} ms  heap +${MiB(m.heapUsed - prev.heapUsed).padStart(5)}  ext +${MiB(m.external - prev.external).padStart(5)}  rss +${MiB(m.rss - prev.rss).padStart(6)}  (rss ${MiB(m.rss)})`);
  prev = m;
}
