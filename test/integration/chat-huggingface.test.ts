// The Hugging Face adapter's tools, images, JSON modes and usage, through the official
// @huggingface/inference client against the wire-level mock of the router (OpenAI's chat
// format, translated by the same code as OpenAI's), and what the router has no field for
// (parallel_tool_calls, user): refused through the gateway, never dropped.
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ChatRequest, ProviderAdapter } from '../../src/providers/types.js';
import type { TestApp } from '../helpers/app.js';
import {
  adapterOnMock, ask, assemble, collect, done, expectUndeclared, FUNCTION_TIME, FUNCTION_WEATHER, gatewayOn, lastBody, opts, QUESTION, streamText, TIME, twoImages, twoImagesAsImageUrls, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const VISION = 'Qwen/Qwen2.5-VL-7B-Instruct';
let mock: MockUpstream;
let hf: ProviderAdapter;

adapterOnMock('huggingface', (m, adapter) => {
  mock = m;
  hf = adapter;
});

const body = () => lastBody(mock, 'huggingface');

describe('huggingface tools', () => {
  it('sends function tools and tool_choice as the router takes them, and answers tool_calls', async () => {
    const res = await hf.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    expect(mock.requests.at(-1)!.path).toBe('/huggingface/v1/chat/completions');
    expect(body().tools).toEqual([FUNCTION_WEATHER, FUNCTION_TIME]);
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason]).toEqual(['', 'tool_calls']);
    await hf.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required' }), opts());
    expect(body().tool_choice).toBe('required');
    const named = await hf.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect(body().tool_choice).toEqual({ type: 'function', function: { name: 'get_time' } });
    expect([named.toolCalls?.map((c) => c.name), named.finishReason]).toEqual([['get_time'], 'tool_calls']);
  });

  it('a full round trip: assistant tool_calls and the tool message, and the answer quotes the result', async () => {
    const first = await hf.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    const call = first.toolCalls![0]!;
    const res = await hf.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}']), opts());
    expect(body().messages).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: WEATHER_ARGS } }] },
      { role: 'tool', tool_call_id: call.id, content: '{"temp_c": 21}' },
    ]);
    expect(res.text).toContain('get_weather: {"temp_c": 21}');
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
  });

  it('a streamed tool call in pieces, the same calls as the chat, usage from the last chunk', async () => {
    mock.configure({ toolCalls: 2 });
    const chat = await hf.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(hf.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    expect(body().stream_options).toEqual({ include_usage: true });
    expect(events.filter((e) => e.type === 'tool_call' && e.index === 0).length).toBeGreaterThan(2);
    const calls = assemble(events);
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(done(events)).toEqual({ type: 'done', finishReason: 'tool_calls', model: MODEL, inputTokens: chat.inputTokens, outputTokens: chat.outputTokens });
  });
});

describe('huggingface images and JSON', () => {
  it('images are image_url parts (data URL and web URL)', async () => {
    const request = twoImages(VISION, 'high');
    const res = await hf.chat(request, opts());
    expect(body().messages).toEqual(twoImagesAsImageUrls('high'));
    expect(res.text).toContain('[2 images] Compare these.');
  });

  it('json_object and json_schema are response_format, and the answers are JSON, streamed too', async () => {
    const q: ChatRequest = { model: MODEL, messages: [{ role: 'user', content: 'Reply in JSON: the weather in Paris?' }] };
    const obj = await hf.chat({ ...q, responseFormat: { type: 'json_object' } }, opts());
    expect(body().response_format).toEqual({ type: 'json_object' });
    expect(JSON.parse(obj.text)).toEqual({ answer: 'Reply in JSON: the weather in Paris?' });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const fit = await hf.chat({ ...q, responseFormat: { type: 'json_schema', name: 'w', schema, strict: true } }, opts());
    expect(body().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'w', schema, strict: true } });
    expect(JSON.parse(fit.text)).toEqual({ city: 'Reply in JSON: the weather in Paris?' });
    const events = await collect(hf.stream({ ...q, responseFormat: { type: 'json_schema', name: 'w', schema } }, opts()));
    expect(streamText(events)).toBe(fit.text);
  });
});

describe('huggingface usage', () => {
  it('cached and reasoning tokens from the usage details, inside input and output', async () => {
    mock.configure({ cachedTokens: 4, reasoningTokens: 30 });
    const request = ask(MODEL, { maxTokens: 6, seed: 3, presencePenalty: 0.5 });
    const input = encode(QUESTION).length;
    const res = await hf.chat(request, opts());
    expect(body()).toMatchObject({ max_tokens: 6, seed: 3, presence_penalty: 0.5 });
    expect(res).toMatchObject({ inputTokens: input, cachedInputTokens: 4, outputTokens: 36, reasoningTokens: 30, finishReason: 'length' });
    const events = await collect(hf.stream(request, opts()));
    expect(done(events)).toEqual({ type: 'done', finishReason: 'length', model: MODEL, inputTokens: input, cachedInputTokens: 4, outputTokens: 36, reasoningTokens: 30 });
  });
});

describe('what the router has no field for, through the gateway', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await gatewayOn(mock);
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
  });
  const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

  it.each([
    ['parallel_tool_calls', { prompt: 'hi', tools: [weather], parallel_tool_calls: false }],
    ['user', { prompt: 'hi', user: 'u-1' }],
  ])('%s: 400 UNSUPPORTED_FEATURE naming the provider and the feature, nothing sent', async (feature, request) => {
    await expectUndeclared(t, token, mock, 'huggingface', request, feature);
  });

  it('a tool call over REST: tool_calls and finish_reason in the answer, the router got the tools', async () => {
    const r = await t.request('POST', '/api/ai/huggingface', { token, body: { prompt: QUESTION, model: MODEL, tools: [weather], tool_choice: 'required' } });
    expect(r.status).toBe(200);
    expect(body().tools).toEqual([weather]);
    expect(body().tool_choice).toBe('required');
    expect([r.body.finish_reason, r.body.tool_calls?.[0]?.function?.name]).toEqual(['tool_calls', 'get_weather']);
  });
});
