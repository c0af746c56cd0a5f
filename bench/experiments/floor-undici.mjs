// The minimal proxy of bench/lib/floor-proxy.mjs with undici's request as its HTTP client,
// the client src/providers/upstream-fetch.ts uses: the floor for bench/experiments/timeline.mts,
// whose phases are read from undici's diagnostics channels.
//   node bench/experiments/floor-undici.mjs --port 9000 --upstream http://127.0.0.1:9001
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = new URL(values.upstream);
const agent = new Agent({ keepAliveTimeout: 4_000 });

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const up = await agent.request({
          origin: upstream.origin,
          path: req.url,
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' },
          body: Buffer.concat(chunks),
        });
        const data = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json', 'content-length': data.length });
        res.end(data);
      } catch {
        res.writeHead(502);
        res.end();
      }
    });
  })
  .listen(Number(values.port), '127.0.0.1');
