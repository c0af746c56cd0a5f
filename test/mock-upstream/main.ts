// Standalone mock upstream for benchmarks:
//   tsx test/mock-upstream/main.ts --port 9100 [--host 127.0.0.1] [--latency-ms 0] [--chunk-delay-ms 0] [--chunks 24] [--record]
// Prints the URL (and each provider's base URL) and runs until SIGINT/SIGTERM.
// Zero latency and no request recording by default, to keep per-request overhead minimal.

import { parseArgs } from 'node:util';
import { startMockUpstream } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string' },
    'chunk-delay-ms': { type: 'string' },
    chunks: { type: 'string' },
    record: { type: 'boolean', default: false },
  },
});

const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const mock = await startMockUpstream({ port: Number(values.port), host: values.host, record: values.record });
mock.configure({
  latencyMs: number(values['latency-ms']),
  chunkDelayMs: number(values['chunk-delay-ms']),
  chunks: number(values.chunks),
});

console.log(mock.url);
for (const [provider, url] of Object.entries(mock.baseUrls)) console.log(`  ${provider.padEnd(12)} ${url}`);

const stop = () => {
  void mock.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
