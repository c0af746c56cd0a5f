// The floor for "added latency": the least a Node.js proxy can do. It forwards the request
// body to one upstream over a keep-alive connection and sends back the status and body,
// with no parsing, auth, routing, SDK or recording. Any proxy on this machine pays at least
// this (two more loopback hops, with their wake-ups on two cores).
//   node bench/lib/floor-proxy.mjs --port 9000 --upstream http://127.0.0.1:9001
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = new URL(values.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = http.request(
        { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': body.length, authorization: req.headers.authorization ?? '' } },
        (upRes) => {
          const out = [];
          upRes.on('data', (c) => out.push(c));
          upRes.on('end', () => {
            const data = Buffer.concat(out);
            res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? 'application/json', 'content-length': data.length });
            res.end(data);
          });
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  })
  .listen(Number(values.port), '127.0.0.1');
