// An agent loop through the gateway's pipeline (REST, SSE and GraphQL): the model calls
// a tool, the caller sends the result, the model answers, for the local provider and for
// each provider through its SDK against the mock upstream. Answers, streams, cache hits
// and cached stream replays carry the same tool calls and finish reasons.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
const PROVIDERS: { provider: string; args: Record<string, unknown>; answer: RegExp }[] = [
  { provider: 'gemini', args: MOCK_ARGS, answer: /temp_c/ },
  { provider: 'cohere', args: MOCK_ARGS, answer: /temp_c/ },
  { provider: 'ollama', args: MOCK_ARGS, answer: /temp_c/ },
];

type ToolCallJson = { id: string; type: 'function'; function: { name: string; arguments: string } };

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

  describe.each(PROVIDERS)('$provider', ({ provider, args, answer }) => {
    it('REST: call -> tool result -> answer; the call is cached with its tool calls and finish reason', async () => {
      const first = await t.request('POST', `/api/ai/${provider}`, { token, body: conversation() });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'success', provider, response: '', finish_reason: 'tool_calls', cached: false });
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
      expect(mock.count()).toBe(2);
    });

    it('SSE: tool-call deltas in OpenAI chunk shape, assembled on the last event; a cached stream replays the same deltas', async () => {
      const body = { provider, ...conversation() };
      const events = await stream(body);
      const last = events.at(-1)!.data;
      expect(last).toMatchObject({ is_complete: true, finish_reason: 'tool_calls', cached: false });
      const calls = assembled(events);
      expect(calls).toEqual(last.tool_calls);
      expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', args]]);

      const replay = await stream(body);
      expect(replay.at(-1)!.data).toMatchObject({ is_complete: true, cached: true, finish_reason: 'tool_calls', tool_calls: calls });
      expect(replay.slice(0, -1)).toEqual(events.slice(0, -1));
      expect(mock.count()).toBe(1);

      // The loop's next turn, streamed: text that uses the result.
      const answered = await stream({ provider, ...conversation(calls) });
      expect(answered.at(-1)!.data).toMatchObject({ finish_reason: 'stop', tool_calls: [] });
      expect(answered.map((e) => e.data.content).join('')).toMatch(answer);
    });
  });
});
