// The OpenAI SDK's own CPU per non-streaming chat call, in a tight loop with an in-process
// fetch that answers at once (no network): the SDK's cost at its best, with hot caches.
// Compare with bench/experiments/sdk-latency.mts, what it adds per request at 1 connection.
//   taskset -c 0 node --import tsx bench/experiments/sdk-cpu.mts [baseline sdk sdkSignal sdkHook sdkAsResponse]
import OpenAI from 'openai';
import { NO_TELEMETRY } from '../../src/providers/openai/index.js';
const answer = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Mock openai answer' }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } });
const rawHeaders: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(answer.length), date: new Date().toUTCString(), connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-request-id': 'req_123' };
function headersObj() { const h = new Headers(); for (const k of Object.keys(rawHeaders)) h.append(k, rawHeaders[k]!); return h; }
const fakeRes = (headers: Headers) => ({ ok: true, status: 200, statusText: 'OK', url: 'http://x', headers, body: null, bodyUsed: false, json: async () => JSON.parse(answer), text: async () => answer });
const fetchStd = (async () => fakeRes(headersObj())) as unknown as typeof fetch;
const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Explain in two sentences what a reverse proxy does.' }], max_tokens: 20, stream: false as const };
const variants: Record<string, () => Promise<unknown>> = {
  baseline: async () => { const r = await fetchStd('http://x', { method: 'POST', body: JSON.stringify(params) }); return r.json(); },
  sdk: (() => { const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, timeout: 2_147_483_647, fetch: fetchStd }); return () => c.chat.completions.create(params); })(),
  sdkSignal: (() => { const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, timeout: 2_147_483_647, fetch: fetchStd }); return () => c.chat.completions.create(params, { signal: new AbortController().signal }); })(),
  // As src/providers/openai/index.ts calls it (public options only: telemetry headers off
  // through defaultHeaders), with the in-process fetch in place of upstreamFetch.
  sdkHook: (() => { const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, timeout: 2_147_483_647, fetch: fetchStd, defaultHeaders: NO_TELEMETRY }); return () => c.chat.completions.create(params, { signal: new AbortController().signal }); })(),
  sdkAsResponse: (() => { const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, timeout: 2_147_483_647, fetch: fetchStd }); return async () => (await c.chat.completions.create(params).asResponse()).json(); })(),
};
const which = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(variants);
for (let round = 0; round < 5; round++) for (const name of which) {
  const f = variants[name]!;
  for (let i = 0; i < 3000; i++) await f();
  const n = 20000; const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await f();
  const cpu = process.cpuUsage(c0);
  console.log(name.padEnd(14), ((performance.now() - t0) * 1000 / n).toFixed(1), 'µs/call,', ((cpu.user + cpu.system) / n).toFixed(1), 'µs CPU/call');
}
