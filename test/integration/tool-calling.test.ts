// An agent loop through the gateway's pipeline (REST, SSE and GraphQL): the model calls
// a tool, the caller sends the result, the model answers, for the local provider and for
// each provider through its SDK against the mock upstream. Answers, streams, cache hits
// and cached stream replays carry the same tool calls and finish reasons.
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompletionDocument, StreamCompletionDocument } from '../generated/graphql.js';
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
    t = await startTestApp({ backend: 'postgres+redis', env: mockProviderEnv(mock) });
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

  it('a tool request falling back from a failing provider is translated for the next one (Gemini functionDeclarations)', async () => {
    for (let i = 0; i < 3; i++) mock.enqueue('cohere', { status: 503 });
    const r = await t.request('POST', '/api/ai/cohere', { token, body: { ...conversation(), fallback: ['gemini'] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ provider: 'gemini', failed_over: ['cohere'], finish_reason: 'tool_calls' });
    expect(JSON.parse(r.body.tool_calls[0].function.arguments)).toEqual(MOCK_ARGS);
    const sent = mock.requests.filter((q) => q.provider === 'gemini' && q.completion).at(-1)!.body as { tools: unknown };
    expect(sent.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'The weather in a city', parameters: expect.objectContaining({ required: ['city'] }) }] }]);
    expect(mock.count('cohere')).toBe(3);
  });

  it('the cost recorded is what the provider bills for the usage it reported (cached input and thoughts), streamed or not', async () => {
    mock.configure({ cachedTokens: 5, reasoningTokens: 40 });
    const model = 'gemini-2.5-flash';
    const since = new Date();
    const plain = await t.request('POST', '/api/ai/gemini', { token, body: { model, prompt: 'Think carefully about how prompt caching changes what a provider bills for each call', max_tokens: 10 } });
    const events = await stream({ provider: 'gemini', model, prompt: 'Think carefully about how prompt caching changes what a provider bills, streamed', max_tokens: 10 });
    const streamed = events.at(-1)!.data;
    const costs: number[] = [];
    for (const r of [plain.body, streamed]) {
      expect(r.usage_details).toEqual({ cached_input_tokens: 5, cache_write_tokens: 0, reasoning_tokens: 40 });
      // Gemini 2.5 Flash list prices: $0.30 input, $0.075 cached input, $2.50 output (thoughts included), per 1M.
      const invoice = ((r.input_tokens - 5) * 0.3 + 5 * 0.075 + r.output_tokens * 2.5) / 1e6;
      expect(r.output_tokens).toBe(10 + 40);
      expect(r.estimated_cost).toBeCloseTo(invoice, 12);
      costs.push(r.estimated_cost);
    }
    await t.app.services.recorder.flush();
    const rows = await t.app.services.db.prisma.apiCall.findMany({ where: { provider: 'gemini', createdAt: { gte: since } }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((row) => [row.streamed, row.outputTokens, row.costUsd])).toEqual([[false, 50, costs[0]], [true, 50, costs[1]]]);
  });
});

/** Upstream calls expected from a provider of the mock (none from the local provider). */
function upstreamCalls(provider: string, n: number) {
  return provider === 'local' ? 0 : n;
}
