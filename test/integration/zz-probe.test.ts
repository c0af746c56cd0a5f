import { it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
it('probe', async () => {
  const t = await startTestApp({ backend: 'embedded' });
  const token = await t.adminToken();
  const g = async (label: string, q: string, v?: any) => { const s = performance.now(); const r = await t.gql(q, v, token); console.log(label, r.status, Math.round(performance.now() - s) + 'ms', JSON.stringify(r.body).slice(0, 250)); };
  for (const n of [100, 3000, 20000]) {
    await g('lit obj ' + n, `mutation { completion(input: { provider: "local", prompt: "x", tools: [{ name: "f", parameters: ${'{a:'.repeat(n)}1${'}'.repeat(n)} }] }) { response } }`);
    await g('lit list ' + n, `mutation { completion(input: { provider: "local", prompt: "x", extra: { a: ${'['.repeat(n)}${']'.repeat(n)} } }) { response } }`);
  }
  for (const n of [5000, 200000]) {
    const r = await t.request('POST', '/graphql', { token, body: `{"query":"mutation($i: CompletionInput!) { completion(input: $i) { response } }","variables":{"i":{"provider":"local","prompt":"x","tools":[{"name":"f","parameters":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}]}}}` });
    console.log('var deep', n, r.status, JSON.stringify(r.body).slice(0, 250));
    const r2 = await t.request('POST', '/graphql', { token, body: `{"query":"query($x: String) { health { status } }","variables":{"x":${'['.repeat(n)}${']'.repeat(n)}}}` });
    console.log('var unused deep', n, r2.status, JSON.stringify(r2.body).slice(0, 250));
    const r3 = await t.request('POST', '/graphql', { token, body: `{"query":"{ health { status } }","extensions":{"x":${'['.repeat(n)}${']'.repeat(n)}}}` });
    console.log('ext deep', n, r3.status, JSON.stringify(r3.body).slice(0, 250));
  }
  await g('resp format', 'mutation($i: CompletionInput!) { completion(input: $i) { response } }', { i: { provider: 'local', prompt: 'x', responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'string', minLength: 1e9 } }, required: ['a'] } } } });
  await t.stop();
}, 600_000);
