// Preload for bench/experiments/sdk-latency.mts only (never for the product): the OpenAI
// SDK's non-streaming chat call is replaced by one POST of the same JSON body through the
// same fetch the SDK is given (src/providers/upstream-fetch.ts), so that the difference
// between two gateways, one with and one without this preload, is what the SDK's own code
// costs on the completion path. Errors are not mapped: the benchmark's mock answers 200.
import { Completions } from 'openai/resources/chat/completions';

const original = Completions.prototype.create;
let upstreamFetch;

Completions.prototype.create = function (body, options) {
  if (body.stream) return original.call(this, body, options);
  const client = this._client;
  return (async () => {
    upstreamFetch ??= (await import(new URL('../../src/providers/upstream-fetch.ts', import.meta.url).href)).upstreamFetch;
    const res = await upstreamFetch(`${client.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: options?.signal,
    });
    if (!res.ok) throw new Error(`upstream answered ${res.status}`);
    return res.json();
  })();
};
