// The Cohere adapter's tools, images, JSON modes and usage, through the cohere-ai v2 client
// against the wire-level mock (which reads and answers Cohere's native v2 shapes), and what
// it refuses (the gateway's answer: chat-unsupported.test.ts).
import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ChatRequest, ProviderAdapter } from '../../src/providers/types.js';
import {
  adapterOnMock, ask, assemble, collect, done, FUNCTION_TIME, FUNCTION_WEATHER, lastBody, opts, PNG, QUESTION, refusal, streamText, TIME, twoImages, twoImagesAsImageUrls, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'command-a-03-2025';
const VISION = 'command-a-vision-07-2025';
let mock: MockUpstream;
let cohere: ProviderAdapter;

adapterOnMock('cohere', (m, adapter) => {
  mock = m;
  cohere = adapter;
});

const body = () => lastBody(mock, 'cohere');

describe('cohere tools', () => {
  it('sends v2 tools and answers tool_calls with their Cohere ids; the tool plan is not the answer', async () => {
    const res = await cohere.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    expect(body().tools).toEqual([FUNCTION_WEATHER, FUNCTION_TIME]);
    for (const k of ['tool_choice', 'strict_tools']) expect(body()).not.toHaveProperty(k);
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^get_weather_/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason]).toEqual(['', 'tool_calls']);
    expect(res.outputTokens).toBe(encode('I will use get_weather to answer.').length + encode(WEATHER_ARGS).length);
  });

  it('tool_choice: required is REQUIRED, none is NONE, a named tool is REQUIRED with only that tool offered; strict tools are strict_tools', async () => {
    await cohere.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required' }), opts());
    expect(body().tool_choice).toBe('REQUIRED');
    const none = await cohere.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'none' }), opts());
    expect(body().tool_choice).toBe('NONE');
    expect([none.toolCalls, none.finishReason]).toEqual([undefined, 'stop']);
    const named = await cohere.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect([body().tools, body().tool_choice]).toEqual([[FUNCTION_TIME], 'REQUIRED']);
    expect(named.toolCalls?.map((c) => c.name)).toEqual(['get_time']);
    await cohere.chat(ask(MODEL, { tools: [{ ...WEATHER, strict: true }, TIME] }), opts());
    expect(body().strict_tools).toBe(true);
  });

  it('a full round trip: the assistant tool_calls and the tool message by tool_call_id, and the answer quotes the result', async () => {
    const first = await cohere.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    const call = first.toolCalls![0]!;
    const res = await cohere.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}']), opts());
    expect(body().messages).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: WEATHER_ARGS } }] },
      { role: 'tool', tool_call_id: call.id, content: '{"temp_c": 21}' },
    ]);
    expect(res.text).toContain('get_weather: {"temp_c": 21}');
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
  });

  it('a streamed tool call: tool-call-start gives id and name, tool-call-delta the arguments in pieces, the same calls as the chat', async () => {
    mock.configure({ toolCalls: 2 });
    const chat = await cohere.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(cohere.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    const pieces = events.filter((e) => e.type === 'tool_call');
    expect(pieces.filter((p) => p.index === 0).length).toBeGreaterThan(2);
    const calls = assemble(events);
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(calls.map((c) => c.id)).toEqual([expect.stringMatching(/^get_weather_/), expect.stringMatching(/^get_time_/)]);
    expect(streamText(events)).toBe('');
    expect(done(events)).toMatchObject({ finishReason: 'tool_calls', inputTokens: chat.inputTokens, outputTokens: chat.outputTokens });
  });
});

describe('cohere images', () => {
  const picture = (url: ChatRequest['messages'][number]['content']): ChatRequest => ({ model: VISION, messages: [{ role: 'user', content: url }] });

  it('images are image_url parts: a base64 image as its data URL, a web URL as it is, with the detail', async () => {
    const res = await cohere.chat(twoImages(VISION, 'low'), opts());
    expect(body().messages).toEqual(twoImagesAsImageUrls('low'));
    expect(res.text).toContain('[2 images] Compare these.');
    expect(cohere.features.has('image_urls')).toBe(true);
  });

  it('an image for a model without vision is refused before it is sent', async () => {
    const r = await refusal(cohere, { ...picture([{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } }]), model: 'command-r' });
    expect(r.message).toContain('command-r');
    expect(r.details).toEqual({ provider: 'cohere', feature: 'images', model: 'command-r' });
    expect(mock.count('cohere')).toBe(0);
  });
});

describe('cohere JSON modes', () => {
  it('json_object is response_format json_object, and the answer is JSON, streamed too', async () => {
    const res = await cohere.chat(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts());
    expect(body().response_format).toEqual({ type: 'json_object' });
    expect(JSON.parse(res.text)).toEqual({ answer: QUESTION.slice(0, 40) });
    const events = await collect(cohere.stream(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts()));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(2);
    expect(streamText(events)).toBe(res.text);
  });

  it('json_schema is json_object with the JSON schema as Cohere takes it, and the answer fits it', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, warm: { type: 'boolean' } }, required: ['city', 'warm'] };
    const res = await cohere.chat(ask(MODEL, { responseFormat: { type: 'json_schema', name: 'w', schema, strict: true } }), opts());
    expect(body().response_format).toEqual({ type: 'json_object', json_schema: schema });
    expect(JSON.parse(res.text)).toEqual({ city: QUESTION.slice(0, 40), warm: true });
  });
});

describe('cohere usage', () => {
  it('billed units, cached tokens inside the input; a reasoning model\'s thinking is in the output (no count of its own) and not the answer', async () => {
    mock.configure({ cachedTokens: 4, reasoningTokens: 30 });
    const request = ask('command-a-reasoning-08-2025', { maxTokens: 6, extra: { thinking: { type: 'enabled', token_budget: 500 } } });
    const input = encode(QUESTION).length;
    const res = await cohere.chat(request, opts());
    expect(body().thinking).toEqual({ type: 'enabled', token_budget: 500 });
    expect(res).toMatchObject({ inputTokens: input, cachedInputTokens: 4, outputTokens: 36, finishReason: 'length' });
    expect(res.reasoningTokens).toBeUndefined();
    expect(res.text).not.toContain('Thinking');
    const events = await collect(cohere.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
    expect(done(events)).toEqual({ type: 'done', finishReason: 'length', model: 'command-a-reasoning-08-2025', inputTokens: input, cachedInputTokens: 4, outputTokens: 36 });
  });

  it('seed and penalties are native fields', async () => {
    await cohere.chat(ask(MODEL, { seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25 }), opts());
    expect(body()).toMatchObject({ seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25 });
  });
});
