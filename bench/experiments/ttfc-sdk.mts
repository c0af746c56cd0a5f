// Time to first chunk through the openai SDK with the global fetch and with upstreamFetch.
import OpenAI from 'openai';
import { upstreamFetch } from '../../src/providers/upstream-fetch.ts';
const baseURL = process.argv[2] ?? 'http://127.0.0.1:9177/openai/v1';
const clients = { fetch: new OpenAI({ apiKey: 'k', baseURL }), upstreamFetch: new OpenAI({ apiKey: 'k', baseURL, fetch: upstreamFetch }) };
for (let round = 0; round < 3; round++) for (const [name, c] of Object.entries(clients)) {
  const ttfc: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const s = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 3, stream: true });
    let first = 0;
    for await (const chunk of s) if (!first && chunk.choices[0]?.delta?.content) first = performance.now() - t0;
    ttfc.push(first);
  }
  ttfc.sort((a, b) => a - b);
  console.log(name.padEnd(14), 'TTFC p50', ttfc[10]!.toFixed(2), 'max', ttfc[19]!.toFixed(2));
}
