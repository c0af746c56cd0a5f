// CPU and wall time per call of Node's global fetch against undici's request (what
// src/providers/upstream-fetch.ts uses) and node:http, sequential POSTs of the benchmark's
// OpenAI payload to the mock upstream, JSON body read and parsed each time.
//   taskset -c 1 node --import tsx bench/lib/mock-main.ts --port 9177 &
//   taskset -c 0 node --import tsx bench/experiments/fetch-vs-request.mjs [fetch http undici upstreamFetch]
import http from 'node:http';
import { Pool } from 'undici';

const URL_ = 'http://127.0.0.1:9177/openai/v1/chat/completions';
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain in two sentences what a reverse proxy does for a web application.' }], max_tokens: 20 });
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };
const agent = new http.Agent({ keepAlive: true });
const pool = new Pool('http://127.0.0.1:9177');
const { upstreamFetch } = await import('../../src/providers/upstream-fetch.ts').catch(() => ({ upstreamFetch: null }));

const impls = {
  fetch: async () => (await fetch(URL_, { method: 'POST', headers, body })).json(),
  upstreamFetch: upstreamFetch && (async () => (await upstreamFetch(URL_, { method: 'POST', headers, body })).json()),
  http: () =>
    new Promise((resolve, reject) => {
      const req = http.request(URL_, { method: 'POST', headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
      });
      req.on('error', reject);
      req.end(body);
    }),
  undici: async () => (await pool.request({ path: '/openai/v1/chat/completions', method: 'POST', headers, body })).body.json(),
};
const which = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(impls);
for (let round = 0; round < 3; round++) {
  for (const name of which) {
    const f = impls[name];
    if (!f) continue;
    for (let i = 0; i < 2000; i++) await f();
    const n = 10000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    console.log(name.padEnd(14), 'wall µs/call', ((t * 1000) / n).toFixed(1), 'cpu µs/call', ((c.user + c.system) / n).toFixed(1));
  }
}
process.exit(0);
