// The Gemini adapter's tools, images, JSON modes and usage, through @google/generative-ai
// against the wire-level mock (which reads and answers Gemini's native parts), and what it
// refuses (the gateway's answer: chat-unsupported.test.ts).
import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ChatRequest, ProviderAdapter, ToolCall } from '../../src/providers/types.js';
import {
  adapterOnMock, ask, assemble, collect, done, lastBody, opts, PNG, QUESTION, refusal, streamText, TIME, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'gemini-2.5-flash';
let mock: MockUpstream;
let gemini: ProviderAdapter;

adapterOnMock('gemini', (m, adapter) => {
  mock = m;
  gemini = adapter;
});

const body = () => lastBody(mock, 'gemini');
const DECLARATION = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer' } }, required: ['city'] },
};

describe('gemini tools', () => {
  it('sends functionDeclarations and answers the functionCall as a tool call with a generated id', async () => {
    const res = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    // A function without arguments has no parameters (Gemini wants properties in an object schema).
    expect(body().tools).toEqual([{ functionDeclarations: [DECLARATION, { name: 'get_time', description: 'The time now' }] }]);
    expect(body()).not.toHaveProperty('toolConfig');
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^call_[A-Za-z0-9_-]{24}$/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason, res.outputTokens]).toEqual(['', 'tool_calls', encode(WEATHER_ARGS).length]);
  });

  it('tool_choice: required is mode ANY, a named tool ANY with allowedFunctionNames, none is NONE (and a text answer)', async () => {
    await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: 'required' }), opts());
    expect(body().toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    const named = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect(body().toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } });
    expect(named.toolCalls?.map((c) => [c.name, c.arguments])).toEqual([['get_time', '{}']]);
    const none = await gemini.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'none' }), opts());
    expect(body().toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect([none.toolCalls, none.finishReason]).toEqual([undefined, 'stop']);
    expect(none.text).toContain(QUESTION.slice(0, 30));
  });

  it('ids are the same for the same answer and differ between answers', async () => {
    mock.configure({ toolCalls: 2 });
    const a = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const b = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    expect(a.toolCalls!.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
    expect(new Set([...a.toolCalls!, ...b.toolCalls!].map((c) => c.id)).size).toBe(4);
  });

  it('a full round trip: the call goes back as functionCall, its result as functionResponse by name, and the answer quotes it', async () => {
    const first = await gemini.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    const res = await gemini.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21, "sky": "clear"}']), opts());
    expect(body().contents).toEqual([
      { role: 'user', parts: [{ text: QUESTION }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: JSON.parse(WEATHER_ARGS) } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 21, sky: 'clear' } } }] },
    ]);
    expect(res.text).toContain('get_weather: {"temp_c":21,"sky":"clear"}');
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
  });

  it('parallel calls: every result goes back in one turn; a plain-text result is the output', async () => {
    mock.configure({ toolCalls: 2 });
    const first = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    await gemini.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}', '10:42'], { tools: [WEATHER, TIME] }), opts());
    const contents = body().contents as { role: string; parts: unknown[] }[];
    expect(contents).toHaveLength(3);
    expect(contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temp_c: 21 } } },
        { functionResponse: { name: 'get_time', response: { output: '10:42' } } },
      ],
    });
  });

  it('a streamed tool call: one piece with id, name and the whole arguments, the same call as the chat gives', async () => {
    mock.configure({ toolCalls: 2 });
    const chat = await gemini.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(gemini.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    const pieces = events.filter((e) => e.type === 'tool_call');
    expect(pieces.map((p) => p.index)).toEqual([0, 1]);
    const calls = assemble(events);
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(calls.every((c) => /^call_/.test(c.id))).toBe(true);
    expect(streamText(events)).toBe('');
    expect(done(events)).toMatchObject({ finishReason: 'tool_calls', outputTokens: chat.outputTokens, inputTokens: chat.inputTokens });
  });

  it('a tool result for a call not in the conversation is refused: Gemini answers calls by name', async () => {
    const lost: ToolCall = { id: 'call_lost', name: 'get_weather', arguments: '{}' };
    const request = withResults(MODEL, [lost], ['{}']);
    request.messages.splice(1, 1); // the assistant turn that made the call is gone
    const r = await refusal(gemini, request);
    expect(r.message).toContain('call_lost');
    expect(r.details).toMatchObject({ provider: 'gemini', feature: 'tools' });
    const badArgs = await refusal(gemini, withResults(MODEL, [{ ...lost, arguments: '[1, 2]' }], ['{}']));
    expect(badArgs.message).toContain('not a JSON object');
    expect(mock.count('gemini')).toBe(0);
  });
});

describe('gemini images', () => {
  it('a base64 image is an inlineData part, beside the text, and the model sees it', async () => {
    const request: ChatRequest = {
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } }] }],
    };
    const res = await gemini.chat(request, opts());
    expect(body().contents).toEqual([{ role: 'user', parts: [{ text: 'What is in this picture?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }]);
    expect(res.text).toContain('[1 image] What is in this picture?');
  });

  it('an image by URL is refused (fileData takes Files API uploads, not web URLs)', async () => {
    const r = await refusal(gemini, { model: MODEL, messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } }] }] });
    expect(r.details).toMatchObject({ provider: 'gemini', feature: 'image_urls' });
    expect(gemini.features.has('image_urls')).toBe(false);
    expect(mock.count('gemini')).toBe(0);
  });
});

describe('gemini JSON modes', () => {
  it('json_object is responseMimeType application/json, and the answer is JSON, streamed too', async () => {
    const res = await gemini.chat(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts());
    expect(body().generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(JSON.parse(res.text)).toEqual({ answer: QUESTION.slice(0, 40) });
    const events = await collect(gemini.stream(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts()));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(2);
    expect(streamText(events)).toBe(res.text);
  });

  it('json_schema is responseSchema in Gemini\'s subset: $ref inlined, [T, "null"] nullable, enums of strings, the property order kept', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        summary: { type: 'string', maxLength: 10 },
        mood: { enum: ['sunny', 'rainy'] },
        where: { $ref: '#/$defs/Place' },
        note: { type: ['string', 'null'] },
      },
      required: ['summary', 'mood', 'where', 'note'],
      additionalProperties: false,
      $defs: { Place: { type: 'object', properties: { city: { type: 'string' }, at: { type: 'string', format: 'date-time' } }, required: ['city'] } },
    };
    const res = await gemini.chat(ask(MODEL, { responseFormat: { type: 'json_schema', name: 'report', description: 'A weather report', schema, strict: true } }), opts());
    expect(body().generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: {
          summary: { type: 'string', maxLength: 10 },
          mood: { type: 'string', format: 'enum', enum: ['sunny', 'rainy'] },
          where: { type: 'object', properties: { city: { type: 'string' }, at: { type: 'string', format: 'date-time' } }, required: ['city'], propertyOrdering: ['city', 'at'] },
          note: { type: 'string', nullable: true },
        },
        required: ['summary', 'mood', 'where', 'note'],
        propertyOrdering: ['summary', 'mood', 'where', 'note'],
        description: 'A weather report',
      },
    });
    expect(JSON.parse(res.text)).toEqual({ summary: QUESTION.slice(0, 10), mood: 'sunny', where: { city: QUESTION.slice(0, 40), at: '2024-01-01T00:00:00Z' }, note: QUESTION.slice(0, 40) });
    expect(res.finishReason).toBe('stop');
  });

  it('a schema keyword outside Gemini\'s subset is refused, naming it and where it is', async () => {
    const r = await refusal(gemini, ask(MODEL, { responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } } } }));
    expect(r.message).toContain('"oneOf"');
    expect(r.details).toEqual({ provider: 'gemini', feature: 'json_schema', field: 'response_format.schema', path: 'properties.a' });
    const tool = await refusal(gemini, ask(MODEL, { tools: [{ name: 'f', parameters: { type: 'object', properties: { n: { type: 'number', exclusiveMinimum: 0 } } } }] }));
    expect(tool.details).toEqual({ provider: 'gemini', feature: 'tools', field: 'tools.0.parameters', path: 'properties.n' });
    expect(mock.count('gemini')).toBe(0);
  });
});

describe('gemini usage', () => {
  it('cached content is part of the input, thoughts are added to the output, and thought parts are not the answer', async () => {
    mock.configure({ cachedTokens: 5, reasoningTokens: 40 });
    const request = ask(MODEL, { maxTokens: 6, extra: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } });
    const input = encode(QUESTION).length;
    const res = await gemini.chat(request, opts());
    expect(body().generationConfig).toEqual({ maxOutputTokens: 6, thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } });
    expect(res).toMatchObject({ inputTokens: input, cachedInputTokens: 5, outputTokens: 6 + 40, reasoningTokens: 40, finishReason: 'length' });
    expect(res.text).not.toContain('Thinking');
    const events = await collect(gemini.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
    expect(done(events)).toEqual({ type: 'done', finishReason: 'length', model: MODEL, inputTokens: input, cachedInputTokens: 5, outputTokens: 46, reasoningTokens: 40 });
  });

  it('seed and penalties are generationConfig fields', async () => {
    await gemini.chat(ask(MODEL, { seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 }), opts());
    expect(body().generationConfig).toEqual({ seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 });
  });
});
