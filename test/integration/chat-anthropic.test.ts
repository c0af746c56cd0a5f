// The Anthropic adapter's tools, images, JSON output (a forced tool) and usage, through the
// official @anthropic-ai/sdk client against the wire-level mock (which reads and checks the
// messages format as the API does: tool_result blocks must answer the previous turn's
// tool_use ids), and what it refuses, at the adapter and through the gateway's REST API.
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { TestApp } from '../helpers/app.js';
import {
  adapterOnMock, ask, assemble, collect, done, expectUndeclared, gatewayOn, lastBody, opts, PNG, QUESTION, refusal, streamText, TIME, twoImages, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'claude-sonnet-4-20250514';
let mock: MockUpstream;
let anthropic: ProviderAdapter;

adapterOnMock('anthropic', (m, adapter) => {
  mock = m;
  anthropic = adapter;
});

const body = () => lastBody(mock, 'anthropic');
const WIRE_WEATHER = { name: 'get_weather', description: 'The weather in a city', input_schema: WEATHER.parameters };
const WIRE_TIME = { name: 'get_time', description: 'The time now', input_schema: TIME.parameters };
const PREAMBLE = 'I will use get_weather.';

describe('anthropic tools', () => {
  it('sends tools with input_schema and answers tool_use blocks as tool calls (arguments: the input as JSON); the text before them is the text', async () => {
    const res = await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME], messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: QUESTION }] }), opts());
    expect(body().system).toBe('Be brief.');
    expect(body().messages).toEqual([{ role: 'user', content: QUESTION }]);
    expect(body().tools).toEqual([WIRE_WEATHER, WIRE_TIME]);
    expect(body()).not.toHaveProperty('tool_choice');
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^toolu_/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason]).toEqual([PREAMBLE, 'tool_calls']);
    expect(res.outputTokens).toBe(encode(PREAMBLE).length + encode(WEATHER_ARGS).length);
  });

  it('tool_choice auto, none, required (any) and a named tool (tool); parallel_tool_calls false is disable_parallel_tool_use; strict passes', async () => {
    await anthropic.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'auto' }), opts());
    expect(body().tool_choice).toEqual({ type: 'auto' });
    const none = await anthropic.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'none', parallelToolCalls: false }), opts());
    expect(body().tool_choice).toEqual({ type: 'none' });
    expect([none.toolCalls, none.finishReason]).toEqual([undefined, 'stop']);
    mock.configure({ toolCalls: 2 });
    const any = await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required' }), opts());
    expect(body().tool_choice).toEqual({ type: 'any' });
    expect([any.text, any.toolCalls?.map((c) => c.name)]).toEqual(['', ['get_weather', 'get_time']]);
    const named = await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect(body().tool_choice).toEqual({ type: 'tool', name: 'get_time' });
    expect([named.toolCalls?.map((c) => [c.name, c.arguments]), named.finishReason]).toEqual([[['get_time', '{}']], 'tool_calls']);
    const serial = await anthropic.chat(ask(MODEL, { tools: [{ ...WEATHER, strict: true }, TIME], parallelToolCalls: false }), opts());
    expect(body().tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(body().tools).toEqual([{ ...WIRE_WEATHER, strict: true }, WIRE_TIME]);
    expect(serial.toolCalls).toHaveLength(1);
    await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required', parallelToolCalls: true }), opts());
    expect(body().tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: false });
  });

  it('a full round trip: tool_use blocks in the assistant turn, the results as tool_result blocks of ONE user turn, and the answer quotes them', async () => {
    mock.configure({ toolCalls: 2 });
    const first = await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const [w, t] = first.toolCalls!;
    const request = withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}', '12:00'], { tools: [WEATHER, TIME] });
    request.messages[1]!.content = first.text;
    const res = await anthropic.chat(request, opts());
    expect(body().messages).toEqual([
      { role: 'user', content: QUESTION },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'I will use get_weather and get_time.' },
          { type: 'tool_use', id: w!.id, name: 'get_weather', input: JSON.parse(WEATHER_ARGS) },
          { type: 'tool_use', id: t!.id, name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: w!.id, content: '{"temp_c": 21}' },
          { type: 'tool_result', tool_use_id: t!.id, content: '12:00' },
        ],
      },
    ]);
    expect(res.text).toContain('"get_weather: {"temp_c": 21}; get_time: 1'); // the mock quotes 40 characters
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
    // A user message right after the results joins their turn.
    await anthropic.chat({ ...request, messages: [...request.messages, { role: 'user', content: 'And tomorrow?' }] }, opts());
    expect((body().messages as { content: unknown[] }[])[2]!.content.at(-1)).toEqual({ type: 'text', text: 'And tomorrow?' });
  });

  it('a streamed tool call: content_block_start gives id and name, input_json_delta the arguments in pieces; usage from message_start and message_delta', async () => {
    mock.configure({ toolCalls: 2, cachedTokens: 3, cacheWriteTokens: 2 });
    const chat = await anthropic.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(anthropic.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    expect(events.filter((e) => e.type === 'tool_call' && e.index === 0).length).toBeGreaterThan(2);
    const calls = assemble(events);
    // get_time has no arguments: its input streams as nothing, and is "{}" as in the chat answer.
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(calls.map((c) => c.id)).toEqual([expect.stringMatching(/^toolu_/), expect.stringMatching(/^toolu_/)]);
    expect(streamText(events)).toBe(chat.text);
    expect(done(events)).toEqual({
      type: 'done', finishReason: 'tool_calls', model: MODEL,
      inputTokens: chat.inputTokens, cachedInputTokens: 3, cacheWriteTokens: 2, outputTokens: chat.outputTokens,
    });
  });
});

describe('anthropic images', () => {
  it('image blocks: a base64 image as a base64 source with its media type, a web URL as a url source', async () => {
    const request = twoImages(MODEL, 'low');
    const res = await anthropic.chat(request, opts());
    expect(body().messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
        ],
      },
    ]);
    expect(res.text).toContain('[2 images] Compare these.');
  });
});

describe('anthropic JSON output through a forced tool', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' }, warm: { type: 'boolean' } }, required: ['city', 'warm'] };

  it('json_schema is one tool with the schema as input_schema, forced; its input is the answer text, not a tool call, streamed as text', async () => {
    const request = ask(MODEL, { responseFormat: { type: 'json_schema', name: 'weather', description: 'A forecast', schema, strict: true } });
    const res = await anthropic.chat(request, opts());
    expect(body().tools).toEqual([{ name: 'weather', description: 'A forecast', input_schema: schema, strict: true }]);
    expect(body().tool_choice).toEqual({ type: 'tool', name: 'weather' });
    expect(JSON.parse(res.text)).toEqual({ city: QUESTION.slice(0, 40), warm: true });
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
    const events = await collect(anthropic.stream(request, opts()));
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([]);
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(2);
    expect(streamText(events)).toBe(res.text);
    expect(done(events).finishReason).toBe('stop');
  });

  it('json_object is a forced tool that takes any object', async () => {
    const res = await anthropic.chat(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts());
    expect(body().tools).toEqual([{ name: 'json_output', description: expect.any(String), input_schema: { type: 'object', additionalProperties: true } }]);
    expect(body().tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    expect(JSON.parse(res.text)).toEqual({ answer: QUESTION.slice(0, 40) });
  });

  it('JSON output with tools, and a schema whose top level is not an object, are refused before sending', async () => {
    const withTools = await refusal(anthropic, ask(MODEL, { tools: [WEATHER], responseFormat: { type: 'json_object' } }));
    expect(withTools.details).toEqual({ provider: 'anthropic', feature: 'json_object' });
    const list = await refusal(anthropic, ask(MODEL, { responseFormat: { type: 'json_schema', name: 'l', schema: { type: 'array', items: { type: 'string' } } } }));
    expect([list.details, list.message]).toEqual([{ provider: 'anthropic', feature: 'json_schema' }, expect.stringContaining('top level is not an object')]);
    expect(mock.count('anthropic')).toBe(0);
  });
});

describe('anthropic usage', () => {
  it('input is input_tokens + cache reads + cache writes, with the reads and writes as its parts; thinking tokens inside the output, thoughts not in the answer', async () => {
    mock.configure({ cachedTokens: 4, cacheWriteTokens: 2, reasoningTokens: 30 });
    const request = ask(MODEL, { maxTokens: 6, extra: { thinking: { type: 'enabled', budget_tokens: 1024 } } });
    const input = encode(QUESTION).length;
    const res = await anthropic.chat(request, opts());
    expect(body().thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(res).toMatchObject({ inputTokens: input, cachedInputTokens: 4, cacheWriteTokens: 2, outputTokens: 36, reasoningTokens: 30, finishReason: 'length' });
    expect(res.text).not.toContain('Thinking');
    const events = await collect(anthropic.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
    expect(done(events)).toEqual({
      type: 'done', finishReason: 'length', model: MODEL,
      inputTokens: input, cachedInputTokens: 4, cacheWriteTokens: 2, outputTokens: 36, reasoningTokens: 30,
    });
  });

  it('the user is metadata.user_id, beside any metadata the caller gave', async () => {
    await anthropic.chat(ask(MODEL, { user: 'u-1' }), opts());
    expect(body().metadata).toEqual({ user_id: 'u-1' });
    await anthropic.chat(ask(MODEL, { user: 'u-2', extra: { metadata: { user_id: 'other' } } }), opts());
    expect(body().metadata).toEqual({ user_id: 'u-2' });
  });
});

describe('what Anthropic does not have, through the gateway', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await gatewayOn(mock);
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each([
    ['seed', { prompt: 'hi', seed: 7 }],
    ['penalties', { prompt: 'hi', presence_penalty: 0.5 }],
    ['penalties', { prompt: 'hi', frequency_penalty: 0.5 }],
  ])('%s: 400 UNSUPPORTED_FEATURE naming the provider and the feature, nothing sent', async (feature, request) => {
    await expectUndeclared(t, token, mock, 'anthropic', request, feature);
  });
});
