// The server hands every /graphql request to Yoga's Node listener. Over a real socket every
// answer must be the one Yoga gives in-process (yoga.fetch) for the same request: status,
// media type and body, for successes and for every kind of failure.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let mock: MockUpstream;
let token: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  t = await startTestApp({ backend: 'embedded', env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: mock.baseUrls.openai!, ENABLE_CACHING: 'false' } });
  token = await t.adminToken();
});

afterAll(async () => {
  await t?.stop();
  await mock?.close();
});

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
}

const json = (v: unknown) => JSON.stringify(v);

function cases(): Case[] {
  const auth = { authorization: `Bearer ${token}` };
  return [
    { name: 'a query', body: json({ query: '{ me { username role } }' }), headers: auth },
    { name: 'a query with operationName and variables', body: json({ query: 'query A { me { username } } query B($x: Int) { __typename }', operationName: 'A', variables: {} }), headers: auth },
    { name: 'a mutation', body: json({ query: 'mutation($i: CompletionInput!) { completion(input: $i) { response provider cached } }', variables: { i: { prompt: 'hello', provider: 'openai', model: 'gpt-4o-mini' } } }), headers: auth },
    { name: 'a gateway error from a resolver', body: json({ query: 'mutation($i: CompletionInput!) { completion(input: $i) { response } }', variables: { i: { prompt: 'hello', provider: 'openai', temperature: 9 } } }), headers: auth },
    { name: 'no credentials', body: json({ query: '{ me { username } }' }) },
    { name: 'a bad token', body: json({ query: '{ me { username } }' }), headers: { authorization: 'Bearer not-a-token' } },
    { name: 'a public field without credentials', body: json({ query: '{ __typename }' }) },
    { name: 'a validation error (application/json)', body: json({ query: '{ nope }' }), headers: auth },
    { name: 'a validation error (graphql-response+json)', body: json({ query: '{ nope }' }), headers: { ...auth, accept: 'application/graphql-response+json' } },
    { name: 'a variable of the wrong type', body: json({ query: 'mutation($i: CompletionInput!) { completion(input: $i) { response } }', variables: { i: { prompt: 5 } } }), headers: auth },
    { name: 'a syntax error', body: json({ query: '{ me { ' }), headers: auth },
    { name: 'malformed JSON', body: '{"query": ', headers: auth },
    { name: 'no query', body: json({ variables: {} }), headers: auth },
    { name: 'a query that is not a string', body: json({ query: 5 }), headers: auth },
    { name: 'variables that are not an object', body: json({ query: '{ __typename }', variables: [1] }), headers: auth },
    { name: 'an unknown operationName', body: json({ query: 'query A { __typename }', operationName: 'B' }), headers: auth },
    { name: 'extensions', body: json({ query: '{ __typename }', extensions: { x: 1 } }), headers: auth },
    { name: 'a batch', body: json([{ query: '{ __typename }' }]), headers: auth },
    { name: 'Accept as axios sends it', body: json({ query: '{ me { username } }' }), headers: { ...auth, accept: 'application/json, text/plain, */*' } },
    { name: 'Accept preferring graphql-response+json', body: json({ query: '{ nope }' }), headers: { ...auth, accept: 'application/graphql-response+json, application/json;q=0.9' } },
    { name: 'Accept with SSE listed too', body: json({ query: '{ me { username } }' }), headers: { ...auth, accept: 'text/event-stream, application/json' } },
    { name: 'Accept with another charset', body: json({ query: '{ me { username } }' }), headers: { ...auth, accept: 'application/json; charset=latin1' } },
    { name: 'Accept with nothing JSON', body: json({ query: '{ me { username } }' }), headers: { ...auth, accept: 'text/html' } },
    { name: 'a subscription asking for JSON', body: json({ query: 'subscription { streamCompletion(input: { prompt: "hi" }) { content } }' }), headers: { ...auth, accept: 'application/json' } },
  ];
}

async function viaServer(c: Case) {
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body: c.body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function viaYoga(c: Case) {
  const res = await (await t.app.graphql()).yoga.fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: '*/*', ...c.headers }, body: c.body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Fields that differ between two runs of the same operation. */
function stable(text: string): unknown {
  try {
    return JSON.parse(text, (key, value) => (['latencyMs', 'requestId', 'id'].includes(key) ? '<varies>' : value));
  } catch {
    return text;
  }
}

describe('POST /graphql with JSON answers exactly as Yoga does', () => {
  it.each(cases().map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const fresh = cases().find((x) => x.name === c.name)!; // built after login, with the token
    const [server, yoga] = [await viaServer(fresh), await viaYoga(fresh)];
    expect(server.status).toBe(yoga.status);
    expect(server.type).toBe(yoga.type);
    expect(stable(server.body)).toEqual(stable(yoga.body));
  });

  it('hands SSE, GET and browser (Origin) requests to Yoga', async () => {
    const sse = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: json({ query: '{ me { username } }' }),
    });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await sse.text()).toContain('"username":"admin"');

    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });

    const cors = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example' },
      body: json({ query: '{ __typename }' }),
    });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('answers a syntax error with its message, GRAPHQL_PARSE_FAILED and 400 (not a masked internal error)', async () => {
    const res = await viaServer({ name: 'syntax', body: json({ query: '{ me { ' }) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 8 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    });
  });

  it('answers a variable the scalar refuses as the client\'s error (BAD_USER_INPUT, 400), not a masked internal one', async () => {
    const body = json({ query: 'mutation($i: CompletionInput!) { completion(input: $i) { response } } # wrong variable', variables: { i: { prompt: 5 } } });
    for (let run = 0; run < 3; run++) {
      const res = await viaServer({ name: 'variable', body, headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).errors[0]).toMatchObject({ message: expect.stringContaining('String cannot represent a non string value: 5'), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('refuses bodies over MAX_BODY_BYTES with 413', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json({ query: `{ __typename } # ${'x'.repeat(t.config.maxBodyBytes)}` }),
    });
    expect(res.status).toBe(413);
  });
});

describe('a compiled operation (src/graphql-jit.ts) answers as the generic executor does', () => {
  // A document runs on the generic executor the first time and compiled after that.
  const extra = (auth: Record<string, string>): Case[] => [
    { name: 'analytics with arguments, an enum and nested lists', body: json({ query: 'query($d: Int) { analyticsSummary(days: $d) { totalApiCalls totalCostUsd } analyticsProviders(days: 7) { provider totalCalls } analyticsTrends { costTrend periodDays dailyBreakdown { day cost } } }', variables: { d: 3 } }), headers: auth },
    { name: 'a list argument and a Float', body: json({ query: '{ batchSimilarity(prompts: ["hello there friend", "hello there friend!", "something else"], similarityThreshold: 0.8) { prompt1Index prompt2Index similarityScore isMatch } batchEstimate(prompts: ["a", "b"]) { originalCount } }' }), headers: auth },
    { name: 'a mutation with its input written inline', body: json({ query: 'mutation { completion(input: { prompt: "inline", provider: "openai", model: "gpt-4o-mini" }) { response provider inputTokens warnings } }' }), headers: auth },
    { name: 'a missing required variable', body: json({ query: 'mutation($i: CompletionInput!) { completion(input: $i) { response } }' }), headers: auth },
    { name: 'the introspection query (GraphiQL, codegen)', body: json({ query: getIntrospectionQuery() }), headers: auth },
    { name: 'aliases, fragments and __typename', body: json({ query: 'query { a: me { ...V } b: me { username } } fragment V on Viewer { __typename username role }' }), headers: auth },
  ];

  const fresh = (c: Case, tag: string): Case => {
    try {
      const body = JSON.parse(c.body);
      if (body && typeof body.query === 'string') return { ...c, body: json({ ...body, query: `${body.query}\n# ${tag}` }) };
    } catch {
      // not JSON: sent as it is
    }
    return c;
  };

  it('for every request kind, on its first, second and third run', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const [i, c] of [...cases(), ...extra(auth)].entries()) {
      const mine = fresh(c, `compiled-${i}`);
      await t.app.services.recorder.flush(); // the analytics case must not see a write land between its runs
      const runs = [await viaServer(mine), await viaServer(mine), await viaServer(mine)];
      for (const r of runs.slice(1)) {
        expect({ name: c.name, status: r.status, type: r.type, body: stable(r.body) }).toEqual({ name: c.name, status: runs[0]!.status, type: runs[0]!.type, body: stable(runs[0]!.body) });
      }
    }
  });
});
