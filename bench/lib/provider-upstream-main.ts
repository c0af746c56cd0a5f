// The benchmarks' provider-like upstream (bench/lib/provider-upstream.ts) as its own process:
//   node --import tsx bench/lib/provider-upstream-main.ts --port 9100 [--latency-ms 0] [--jitter-ms 0]
//     [--chunk-ms 0] [--tokens 40] [--framing chunked|length] [--no-gzip]
// Prints its URL, serves until SIGTERM or SIGINT.
import { parseArgs } from 'node:util';
import { startProviderUpstream, type Framing } from './provider-upstream.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
    'jitter-ms': { type: 'string', default: '0' },
    'chunk-ms': { type: 'string', default: '0' },
    tokens: { type: 'string', default: '40' },
    framing: { type: 'string', default: 'chunked' },
    'no-gzip': { type: 'boolean', default: false },
  },
});
if (values.framing !== 'chunked' && values.framing !== 'length') throw new Error('--framing: chunked or length');

const upstream = await startProviderUpstream({
  port: Number(values.port),
  host: values.host,
  latencyMs: Number(values['latency-ms']),
  jitterMs: Number(values['jitter-ms']),
  chunkMs: Number(values['chunk-ms']),
  tokens: Number(values.tokens),
  framing: values.framing as Framing,
  gzip: !values['no-gzip'],
});
console.log(upstream.url);

const stop = () => void upstream.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
