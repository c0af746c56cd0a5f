// The OpenAI adapter's tools, images, JSON modes and usage details, through the official
// openai client against the wire-level mock (which reads and checks OpenAI's chat format as
// the API does). OpenAI's format is the canonical one: every feature is native.
import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ChatFeature, ChatRequest, ProviderAdapter } from '../../src/providers/types.js';
import { UpstreamError } from '../../src/providers/types.js';
import {
  adapterOnMock, ask, assemble, collect, done, FUNCTION_TIME, FUNCTION_WEATHER, lastBody, opts, QUESTION, streamText, TIME, twoImages, twoImagesAsImageUrls, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'gpt-4o';
let mock: MockUpstream;
let openai: ProviderAdapter;

adapterOnMock('openai', (m, adapter) => {
  mock = m;
  openai = adapter;
});

const body = () => lastBody(mock, 'openai');

describe('openai tools', () => {
  it('sends function tools and answers tool_calls with their ids; finish_reason tool_calls', async () => {
    const res = await openai.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    expect(body().tools).toEqual([FUNCTION_WEATHER, FUNCTION_TIME]);
    for (const k of ['tool_choice', 'parallel_tool_calls']) expect(body()).not.toHaveProperty(k);
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason]).toEqual(['', 'tool_calls']);
    expect(res.outputTokens).toBe(encode(WEATHER_ARGS).length);
  });

  it('tool_choice auto, none, required and a named tool as OpenAI spells them; a forced call ("stop" on the wire) is tool_calls; strict and parallel_tool_calls pass', async () => {
    await openai.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'auto' }), opts());
    expect(body().tool_choice).toBe('auto');
    await openai.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required' }), opts());
    expect(body().tool_choice).toBe('required');
    const none = await openai.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'none' }), opts());
    expect(body().tool_choice).toBe('none');
    expect([none.toolCalls, none.finishReason]).toEqual([undefined, 'stop']);
    const named = await openai.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect(body().tool_choice).toEqual({ type: 'function', function: { name: 'get_time' } });
    expect([named.toolCalls?.map((c) => c.name), named.finishReason]).toEqual([['get_time'], 'tool_calls']);
    mock.configure({ toolCalls: 2 });
    const serial = await openai.chat(ask(MODEL, { tools: [{ ...WEATHER, strict: true }, TIME], parallelToolCalls: false }), opts());
    expect(body().parallel_tool_calls).toBe(false);
    expect((body().tools as { function: { strict?: boolean } }[]).map((t) => t.function.strict)).toEqual([true, undefined]);
    expect(serial.toolCalls).toHaveLength(1);
    const parallel = await openai.chat(ask(MODEL, { tools: [WEATHER, TIME], parallelToolCalls: true }), opts());
    expect(body().parallel_tool_calls).toBe(true);
    expect(parallel.toolCalls?.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
  });

  it('a full round trip: the assistant tool_calls (content null) and the tool message by tool_call_id, and the answer quotes the result', async () => {
    const first = await openai.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    const call = first.toolCalls![0]!;
    const res = await openai.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}']), opts());
    expect(body().messages).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: WEATHER_ARGS } }] },
      { role: 'tool', tool_call_id: call.id, content: '{"temp_c": 21}' },
    ]);
    expect(res.text).toContain('get_weather: {"temp_c": 21}');
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
  });

  it('a streamed tool call: the first piece gives id and name, the arguments come in pieces, the same calls as the chat; usage from the last chunk', async () => {
    mock.configure({ toolCalls: 2 });
    const chat = await openai.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(openai.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    expect(body().stream_options).toEqual({ include_usage: true });
    expect(events.filter((e) => e.type === 'tool_call' && e.index === 0).length).toBeGreaterThan(2);
    const calls = assemble(events);
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(calls.map((c) => c.id)).toEqual([expect.stringMatching(/^call_/), expect.stringMatching(/^call_/)]);
    expect(streamText(events)).toBe('');
    expect(done(events)).toEqual({ type: 'done', finishReason: 'tool_calls', model: MODEL, inputTokens: chat.inputTokens, outputTokens: chat.outputTokens });
  });
});

describe('openai images', () => {
  it('images are image_url parts: a base64 image as its data URL with the detail, a web URL as it is', async () => {
    const request = twoImages(MODEL, 'low');
    const res = await openai.chat(request, opts());
    expect(body().messages).toEqual(twoImagesAsImageUrls('low'));
    expect(res.text).toContain('[2 images] Compare these.');
    const events = await collect(openai.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
  });
});

describe('openai JSON modes', () => {
  const JSON_QUESTION = 'Answer in JSON: what is the weather in Paris?';
  const jsonAsk = (extra: Partial<ChatRequest>): ChatRequest => ({ model: MODEL, messages: [{ role: 'user', content: JSON_QUESTION }], ...extra });

  it('json_object is response_format json_object, and the answer is JSON, streamed too', async () => {
    const res = await openai.chat(jsonAsk({ responseFormat: { type: 'json_object' } }), opts());
    expect(body().response_format).toEqual({ type: 'json_object' });
    expect(JSON.parse(res.text)).toEqual({ answer: JSON_QUESTION.slice(0, 40) });
    const events = await collect(openai.stream(jsonAsk({ responseFormat: { type: 'json_object' } }), opts()));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(2);
    expect(streamText(events)).toBe(res.text);
  });

  it('json_schema is response_format json_schema with name, description, schema and strict, and the answer fits it', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, warm: { type: 'boolean' } }, required: ['city', 'warm'], additionalProperties: false };
    const res = await openai.chat(jsonAsk({ responseFormat: { type: 'json_schema', name: 'weather', description: 'A forecast', schema, strict: true } }), opts());
    expect(body().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'weather', description: 'A forecast', schema, strict: true } });
    expect(JSON.parse(res.text)).toEqual({ city: JSON_QUESTION.slice(0, 40), warm: true });
    await openai.chat(jsonAsk({ responseFormat: { type: 'text' } }), opts());
    expect(body().response_format).toEqual({ type: 'text' });
  });

  it("the API's own refusal of a JSON request (json_object without the word JSON) is its 400, not a gateway refusal", async () => {
    const err = await openai.chat(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts()).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect([(err as UpstreamError).status, (err as UpstreamError).message]).toEqual([400, expect.stringContaining("must contain the word 'json'")]);
  });
});

describe('openai usage and parameters', () => {
  it('cached tokens (prompt_tokens_details) inside the input and reasoning tokens (completion_tokens_details) inside the output; a reasoning model gets max_completion_tokens', async () => {
    mock.configure({ cachedTokens: 4, reasoningTokens: 30 });
    const request = ask('o3', { maxTokens: 6 });
    const input = encode(QUESTION).length;
    const res = await openai.chat(request, opts());
    expect(body().max_completion_tokens).toBe(6);
    expect(body()).not.toHaveProperty('max_tokens');
    expect(res).toMatchObject({ inputTokens: input, cachedInputTokens: 4, outputTokens: 36, reasoningTokens: 30, finishReason: 'length' });
    const events = await collect(openai.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
    expect(done(events)).toEqual({ type: 'done', finishReason: 'length', model: 'o3', inputTokens: input, cachedInputTokens: 4, outputTokens: 36, reasoningTokens: 30 });
  });

  it('no cached or reasoning tokens reported: the details are left out', async () => {
    const res = await openai.chat(ask(MODEL, { maxTokens: 6 }), opts());
    expect(body().max_tokens).toBe(6);
    expect([res.cachedInputTokens, res.reasoningTokens]).toEqual([undefined, undefined]);
  });

  it('seed, penalties and user are native fields', async () => {
    await openai.chat(ask(MODEL, { seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25, user: 'u-1' }), opts());
    expect(body()).toMatchObject({ seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25, user: 'u-1' });
  });

  it('answers framed either way: chunked JSON and a stream with Content-Length', async () => {
    const plain = await openai.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    mock.configure({ framing: 'chunked' });
    expect((await openai.chat(ask(MODEL, { tools: [WEATHER] }), opts())).toolCalls?.map((c) => c.arguments)).toEqual([plain.toolCalls![0]!.arguments]);
    mock.configure({ framing: 'length' });
    const events = await collect(openai.stream(ask(MODEL, { tools: [WEATHER] }), opts()));
    expect(assemble(events).map((c) => c.arguments)).toEqual([WEATHER_ARGS]);
    expect(done(events).finishReason).toBe('tool_calls');
  });

  it('declares every feature: none is refused', () => {
    const all: ChatFeature[] = ['tools', 'tool_choice_required', 'parallel_tool_calls', 'images', 'image_urls', 'json_object', 'json_schema', 'seed', 'penalties', 'user'];
    expect([...openai.features].sort()).toEqual([...all].sort());
    expect(openai.check).toBeUndefined();
  });
});
