// Preload for bench/experiments/timeline.mts only: cuts each request a server answers into
// phases, from Node's and undici's diagnostics channels (nothing in src/ is touched), and
// prints the median of each phase as one JSON line on stderr at SIGUSR2, then starts over.
import dc from 'node:diagnostics_channel';
import http from 'node:http';

const PHASES = ['arrive', 'upstreamCreated', 'upstreamWritten', 'upstreamHeaders', 'respondStart', 'finished'];
let current = null;
let lastFinished = 0;
const rows = [];

function mark(name) {
  if (current && current[name] === undefined) current[name] = performance.now();
}

dc.subscribe('http.server.request.start', ({ request }) => {
  if (request.url === '/health') return;
  const at = performance.now();
  current = { arrive: at, gap: lastFinished ? at - lastFinished : NaN };
});
dc.subscribe('undici:request:create', () => mark('upstreamCreated'));
dc.subscribe('undici:request:bodySent', () => mark('upstreamWritten'));
dc.subscribe('undici:request:headers', () => mark('upstreamHeaders'));
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function (...args) {
  mark('respondStart');
  return writeHead.apply(this, args);
};
dc.subscribe('http.server.response.finish', () => {
  if (!current) return;
  mark('finished');
  lastFinished = current.finished;
  rows.push(current);
  current = null;
});

const median = (values) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] * 1000 : null;
};

process.on('SIGUSR2', () => {
  const out = { requests: rows.length, phases: {} };
  for (let i = 1; i < PHASES.length; i++) out.phases[`${PHASES[i - 1]}->${PHASES[i]}`] = median(rows.map((r) => r[PHASES[i]] - r[PHASES[i - 1]]));
  out.phases['finished->next arrive'] = median(rows.map((r) => r.gap));
  out.phases['arrive->finished'] = median(rows.map((r) => r.finished - r.arrive));
  process.stderr.write(`TIMELINE ${JSON.stringify(out)}\n`);
  rows.length = 0;
});
