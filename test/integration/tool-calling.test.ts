// An agent loop through the gateway's pipeline (REST, SSE and GraphQL): the model calls
// a tool, the caller sends the result, the model answers, for the local provider and for
// each provider through its SDK against the mock upstream. Answers, streams, cache hits
// and cached stream replays carry the same tool calls and finish reasons.
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompletionDocument, ProvidersDocument, StreamCompletionDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { readSse, type SseEvent } from '../helpers/sse.js';

const QUESTION = 'What is the weather in Paris today?';
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};
const RESULT = '{"temp_c":21,"sky":"clear"}';

/**
 * The providers the loop runs against, and the arguments each derives for get_weather.
 * Adding a provider (once its adapter translates tools) is one line.
 */
const MOCK_ARGS = { city: QUESTION.slice(0, 40), days: QUESTION.split(' ').length };
const PROVIDERS: { provider: string; args: Record<string, unknown>; answer: RegExp; callText?: string }[] = [
  // The local provider fills the required properties from their names and quotes the result.
  { provider: 'local', args: { city: 'example city' }, answer: /get_weather returned: \{"temp_c":21,"sky":"clear"\}/ },
  { provider: 'openai', args: MOCK_ARGS, answer: /temp_c/ },
  // Claude says what it is about to do in a text block before the tool_use block.
  { provider: 'anthropic', args: MOCK_ARGS, answer: /temp_c/, callText: 'I will use get_weather.' },
  { provider: 'gemini', args: MOCK_ARGS, answer: /temp_c/ },
  { provider: 'cohere', args: MOCK_ARGS, answer: /temp_c/ },
  { provider: 'ollama', args: MOCK_ARGS, answer: /temp_c/ },
  { provider: 'huggingface', args: MOCK_ARGS, answer: /temp_c/ },
];

type ToolCallJson = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** The same conversation as GraphQL's CompletionInput. */
function gqlConversation(calls?: { id: string; name: string; arguments: string }[]) {
  const messages: unknown[] = [{ role: 'user', content: QUESTION }];
  if (calls) {
    messages.push({ role: 'assistant', toolCalls: calls });
    for (const c of calls) messages.push({ role: 'tool', toolCallId: c.id, content: RESULT });
  }
  return { messages, tools: [WEATHER.function] };
}

function conversation(calls?: ToolCallJson[]) {
  const messages: unknown[] = [{ role: 'user', content: QUESTION }];
  if (calls) {
    messages.push({ role: 'assistant', content: null, tool_calls: calls });
    for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: RESULT });
  }
  return { messages, tools: [WEATHER] };
}

/** The tool calls of an SSE stream's deltas, in OpenAI's chunk shape; id and name only on a call's first delta. */
function assembled(events: SseEvent[]): ToolCallJson[] {
  const calls: ToolCallJson[] = [];
  for (const e of events) {
    for (const d of e.data.tool_calls && !e.data.is_complete ? e.data.tool_calls : []) {
      if (!calls[d.index]) {
        expect(d.index).toBe(calls.length);
        expect([typeof d.id, d.type, typeof d.function.name]).toEqual(['string', 'function', 'string']);
        calls.push({ id: d.id, type: 'function', function: { name: d.function.name, arguments: d.function.arguments ?? '' } });
      } else {
        expect([d.id, d.function.name]).toEqual([undefined, undefined]);
        calls[d.index]!.function.arguments += d.function.arguments ?? '';
      }
    }
  }
  return calls;
}

describe('tool calling through the pipeline', () => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  const stream = async (body: Record<string, unknown>) => {
    const res = await fetch(`${t.url}/api/ai/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return readSse(res);
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock, { BREAKER_FAILURE_THRESHOLD: '1000' }) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(async () => {
    mock.reset();
    await t.request('DELETE', '/api/ai/cache', { token });
  });

  describe.each(PROVIDERS)('$provider', ({ provider, args, answer, callText = '' }) => {
    it('REST: call -> tool result -> answer; the call is cached with its tool calls and finish reason', async () => {
      const first = await t.request('POST', `/api/ai/${provider}`, { token, body: conversation() });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'success', provider, response: callText, finish_reason: 'tool_calls', cached: false });
      const calls = first.body.tool_calls as ToolCallJson[];
      expect(calls).toEqual([{ id: expect.any(String), type: 'function', function: { name: 'get_weather', arguments: expect.any(String) } }]);
      expect(JSON.parse(calls[0]!.function.arguments)).toEqual(args);
      expect(first.body.usage_details).toEqual({ cached_input_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });

      const second = await t.request('POST', `/api/ai/${provider}`, { token, body: conversation(calls) });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ finish_reason: 'stop', tool_calls: [], cached: false });
      expect(second.body.response).toMatch(answer);

      const again = await t.request('POST', `/api/ai/${provider}`, { token, body: conversation() });
      expect(again.body).toMatchObject({ cached: true, finish_reason: 'tool_calls', tool_calls: calls, tokens_used: 0, estimated_cost: 0 });
      // The same second turn hits; the same turn with another tool result does not.
      const secondAgain = await t.request('POST', `/api/ai/${provider}`, { token, body: conversation(calls) });
      expect(secondAgain.body).toMatchObject({ cached: true, response: second.body.response, finish_reason: 'stop' });
      const otherResult = conversation(calls);
      (otherResult.messages.at(-1) as { content: string }).content = '{"temp_c":-3,"sky":"snow"}';
      const third = await t.request('POST', `/api/ai/${provider}`, { token, body: otherResult });
      expect(third.body).toMatchObject({ cached: false, finish_reason: 'stop' });
      expect(mock.count()).toBe(upstreamCalls(provider, 3));
    });

    it('SSE: tool-call deltas in OpenAI chunk shape, assembled on the last event; a cached stream replays the same deltas', async () => {
      const body = { provider, ...conversation() };
      const events = await stream(body);
      const last = events.at(-1)!.data;
      expect(last).toMatchObject({ is_complete: true, finish_reason: 'tool_calls', cached: false });
      const calls = assembled(events);
      expect(calls).toEqual(last.tool_calls);
      expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', args]]);
      expect(events.map((e) => e.data.content).join('')).toBe(callText);

      // Recorded with the calls the pieces made up.
      await t.app.services.recorder.flush();
      const row = await t.app.services.db.prisma.apiCall.findFirst({ where: { provider, streamed: true }, orderBy: { createdAt: 'desc' } });
      expect(row).toMatchObject({ cached: false, status: 'success', toolCalls: 1, outputTokens: last.output_tokens, costUsd: last.estimated_cost });

      const replay = await stream(body);
      expect(replay.at(-1)!.data).toMatchObject({ is_complete: true, cached: true, finish_reason: 'tool_calls', tool_calls: calls });
      expect(replay.slice(0, -1)).toEqual(events.slice(0, -1));
      expect(mock.count()).toBe(upstreamCalls(provider, 1));

      // The loop's next turn, streamed: text that uses the result.
      const answered = await stream({ provider, ...conversation(calls) });
      expect(answered.at(-1)!.data).toMatchObject({ finish_reason: 'stop', tool_calls: [] });
      expect(answered.map((e) => e.data.content).join('')).toMatch(answer);
    });

    it('GraphQL: the mutation and the subscription carry the same loop; stream chunks carry the tool-call deltas', async () => {
      const first = await t.exec(CompletionDocument, { input: { provider, ...gqlConversation() } as never }, token);
      expect(first.errors).toBeUndefined();
      const r = first.data!.completion;
      expect(r).toMatchObject({ response: callText, finishReason: 'tool_calls', usageDetails: { cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
      expect(r.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['get_weather', args]]);

      const second = await t.exec(CompletionDocument, { input: { provider, ...gqlConversation(r.toolCalls) } as never }, token);
      expect(second.data!.completion).toMatchObject({ finishReason: 'stop', toolCalls: [] });
      expect(second.data!.completion.response).toMatch(answer);

      // The subscription over SSE (graphql-sse): a fresh request (no cache) streams the call in pieces.
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(StreamCompletionDocument), variables: { input: { provider, ...gqlConversation(), cache: { read: false } } } }),
      });
      const chunks = (await readSse(res)).filter((e) => e.event === 'next').map((e) => e.data.data.streamCompletion);
      const deltas = chunks.flatMap((c) => c.toolCalls ?? []);
      expect(deltas[0]).toMatchObject({ index: 0, id: expect.any(String), name: 'get_weather' });
      expect(deltas.slice(1).every((d: { id: unknown; name: unknown }) => d.id === null && d.name === null)).toBe(true);
      const streamedArgs = deltas.map((d: { arguments: string | null }) => d.arguments ?? '').join('');
      const last = chunks.at(-1);
      expect(last).toMatchObject({ isComplete: true, toolCalls: null, result: { finishReason: 'tool_calls', toolCalls: [{ id: deltas[0].id, name: 'get_weather', arguments: streamedArgs }] } });
      expect(JSON.parse(streamedArgs)).toEqual(args);
    });
  });

  it('identical concurrent streams share one upstream stream, and every follower gets the same tool-call deltas', async () => {
    mock.configure({ chunkDelayMs: 20, toolCalls: 2 });
    const body = { provider: 'openai', ...conversation(), tools: [WEATHER, { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }] };
    const all = await Promise.all(Array.from({ length: 4 }, () => stream(body)));
    expect(mock.count('openai')).toBe(1);
    const deltas = all.map((events) => events.slice(0, -1).map((e) => e.data.tool_calls ?? e.data.content));
    for (const d of deltas.slice(1)) expect(d).toEqual(deltas[0]);
    expect(assembled(all[0]!).map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
    expect(all.map((events) => events.at(-1)!.data.tool_calls)).toEqual(Array(4).fill(assembled(all[0]!)));
    expect(all.filter((events) => events.at(-1)!.data.cached === false)).toHaveLength(1);
  });

  it('multi-provider and batch complete answer tool_calls and finish_reason on every line', async () => {
    const multi = await t.request('POST', '/api/ai/multi-provider', { token, body: { providers: ['local', 'gemini'], ...conversation() } });
    expect(multi.status).toBe(200);
    for (const [p, args] of [['local', { city: 'example city' }], ['gemini', MOCK_ARGS]] as const) {
      const r = multi.body.responses[p];
      expect(r).toMatchObject({ status: 'success', finish_reason: 'tool_calls', usage_details: { cached_input_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 } });
      expect(r.tool_calls.map((c: ToolCallJson) => [c.type, c.function.name, JSON.parse(c.function.arguments)])).toEqual([['function', 'get_weather', args]]);
    }
    const batch = await t.request('POST', '/api/ai/batch/complete', { token, body: { provider: 'local', prompts: ['Weather in Paris?', 'Weather in Lyon?'], tools: [WEATHER] } });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { finish_reason: string; tool_calls: ToolCallJson[] }) => [r.finish_reason, r.tool_calls.map((c) => c.function.name)])).toEqual([
      ['tool_calls', ['get_weather']],
      ['tool_calls', ['get_weather']],
    ]);
  });

  it('each provider lists the features it carries, on REST and GraphQL', async () => {
    const rest = await t.request('GET', '/api/ai/providers', { token });
    expect(rest.body.provider_details.local.features).toEqual(['json_object', 'json_schema', 'parallel_tool_calls', 'penalties', 'seed', 'tool_choice_required', 'tools', 'user']);
    expect(rest.body.provider_details.ollama.features).toEqual(['images', 'json_object', 'json_schema', 'penalties', 'seed', 'tools']);
    const gql = await t.exec(ProvidersDocument, {}, token);
    expect(Object.fromEntries(gql.data!.providers.map((p) => [p.name, p.features]))).toEqual(
      Object.fromEntries(Object.entries(rest.body.provider_details).map(([name, d]) => [name, (d as { features: string[] }).features])),
    );
  });

  it('a tool request falling back from a failing provider is translated for the next one (Gemini functionDeclarations)', async () => {
    for (let i = 0; i < 3; i++) mock.enqueue('cohere', { status: 503 });
    const r = await t.request('POST', '/api/ai/cohere', { token, body: { ...conversation(), fallback: ['gemini'] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ provider: 'gemini', failed_over: ['cohere'], finish_reason: 'tool_calls' });
    expect(JSON.parse(r.body.tool_calls[0].function.arguments)).toEqual(MOCK_ARGS);
    const sent = mock.requests.filter((q) => q.provider === 'gemini' && q.completion).at(-1)!.body as { tools: unknown };
    expect(sent.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'The weather in a city', parameters: expect.objectContaining({ required: ['city'] }) }] }]);
    expect(mock.count('cohere')).toBe(3);

    // The stream falls back the same way, before its first piece.
    for (let i = 0; i < 3; i++) mock.enqueue('cohere', { status: 503 });
    const events = await stream({ provider: 'cohere', ...conversation(), fallback: ['gemini'], no_cache: true });
    expect(events.at(-1)!.data).toMatchObject({ is_complete: true, provider: 'gemini', finish_reason: 'tool_calls' });
    expect(assembled(events).map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', MOCK_ARGS]]);
    expect(mock.count('gemini')).toBe(2);
  });

  /**
   * Each provider's list prices per 1M tokens for the model (src/pricing/prices.json) and the
   * usage the mock reports; the invoice is worked out here from the usage the answer shows.
   */
  const INVOICES = [
    // Gemini: cached content inside the prompt count, thoughts billed as output.
    { provider: 'gemini', model: 'gemini-2.5-flash', settings: { cachedTokens: 5, reasoningTokens: 40 }, details: { cached_input_tokens: 5, cache_write_tokens: 0, reasoning_tokens: 40 }, rates: { input: 0.3, cached: 0.075, write: 0.3, output: 2.5 } },
    // OpenAI: cached tokens inside prompt_tokens, reasoning inside completion_tokens.
    { provider: 'openai', model: 'o4-mini', settings: { cachedTokens: 6, reasoningTokens: 30 }, details: { cached_input_tokens: 6, cache_write_tokens: 0, reasoning_tokens: 30 }, rates: { input: 1.1, cached: 0.275, write: 1.1, output: 4.4 } },
    // Anthropic: cache reads and writes reported apart from input_tokens, each at its rate.
    { provider: 'anthropic', model: 'claude-sonnet-4-20250514', settings: { cachedTokens: 6, cacheWriteTokens: 4 }, details: { cached_input_tokens: 6, cache_write_tokens: 4, reasoning_tokens: 0 }, rates: { input: 3, cached: 0.3, write: 3.75, output: 15 } },
    // Cohere bills cached tokens as input.
    { provider: 'cohere', model: 'command-a-03-2025', settings: { cachedTokens: 4 }, details: { cached_input_tokens: 4, cache_write_tokens: 0, reasoning_tokens: 0 }, rates: { input: 2.5, cached: 2.5, write: 2.5, output: 10 } },
  ];

  it.each(INVOICES)('$provider: the cost answered and recorded is what it bills for the usage it reported, streamed or not', async ({ provider, model, settings, details, rates }) => {
    mock.configure(settings);
    const since = new Date();
    const prompt = 'Think carefully about how prompt caching changes what a provider bills for each call';
    const plain = await t.request('POST', `/api/ai/${provider}`, { token, body: { model, prompt, max_tokens: 10 } });
    expect(plain.status).toBe(200);
    const events = await stream({ provider, model, prompt: `${prompt}, streamed`, max_tokens: 10 });
    const streamed = events.at(-1)!.data;
    const costs: number[] = [];
    for (const r of [plain.body, streamed]) {
      expect(r.usage_details).toEqual(details);
      const uncached = r.input_tokens - details.cached_input_tokens - details.cache_write_tokens;
      const invoice = (uncached * rates.input + details.cached_input_tokens * rates.cached + details.cache_write_tokens * rates.write + r.output_tokens * rates.output) / 1e6;
      expect(r.output_tokens).toBe(10 + details.reasoning_tokens);
      expect(r.estimated_cost).toBeCloseTo(invoice, 12);
      costs.push(r.estimated_cost);
    }
    await t.app.services.recorder.flush();
    const rows = await t.app.services.db.prisma.apiCall.findMany({ where: { provider, createdAt: { gte: since } }, orderBy: { createdAt: 'asc' } });
    const recorded = [details.cached_input_tokens, details.cache_write_tokens, details.reasoning_tokens];
    expect(rows.map((row) => [row.streamed, row.outputTokens, row.cachedInputTokens, row.cacheWriteTokens, row.reasoningTokens, row.toolCalls, row.costUsd])).toEqual([
      [false, 10 + details.reasoning_tokens, ...recorded, 0, costs[0]],
      [true, 10 + details.reasoning_tokens, ...recorded, 0, costs[1]],
    ]);
  });
});

/** Upstream calls expected from a provider of the mock (none from the local provider). */
function upstreamCalls(provider: string, n: number) {
  return provider === 'local' ? 0 : n;
}
