// The reference for "added latency" and throughput: the least a Node.js proxy does. node:http
// in, node:http out over keep-alive connections to one upstream; the request and response
// bodies stream through untouched (chunked stays chunked, gzip stays gzip, SSE flows event
// by event); only hop-by-hop headers are dropped. No parsing, auth, routing, SDK or recording.
//   node bench/lib/floor-proxy.mjs --port 9000 --upstream http://127.0.0.1:9001
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = new URL(values.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function endToEnd(headers) {
  const out = {};
  for (const k in headers) if (!HOP.has(k)) out[k] = headers[k];
  return out;
}

const server = http.createServer((req, res) => {
  const up = http.request({ agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: endToEnd(req.headers) }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
    upRes.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 65_000;
server.listen({ port: Number(values.port ?? 0), host: '127.0.0.1', backlog: 4096 }, () => console.log(`http://127.0.0.1:${server.address().port}`));
