// The Ollama adapter's tools, images, JSON formats and usage, through the ollama client
// against the wire-level mock (which reads and answers Ollama's native shapes), and what it
// refuses (the gateway's answer: chat-unsupported.test.ts).
import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { MockUpstream } from '../mock-upstream/server.js';
import type { ChatRequest, ProviderAdapter } from '../../src/providers/types.js';
import {
  adapterOnMock, ask, assemble, collect, done, FUNCTION_WEATHER, lastBody, opts, PNG, QUESTION, refusal, streamText, TIME, WEATHER, WEATHER_ARGS, withResults,
} from '../helpers/chat-features.js';

const MODEL = 'llama3.1';
let mock: MockUpstream;
let ollama: ProviderAdapter;

adapterOnMock('ollama', (m, adapter) => {
  mock = m;
  ollama = adapter;
}, {});

const body = () => lastBody(mock, 'ollama');

describe('ollama tools', () => {
  it('sends tools and answers tool_calls: object arguments as JSON text, with a generated id', async () => {
    const res = await ollama.chat(ask(MODEL, { tools: [WEATHER] }), opts());
    expect(body().tools).toEqual([FUNCTION_WEATHER]);
    expect(res.toolCalls).toEqual([{ id: expect.stringMatching(/^call_[A-Za-z0-9_-]{24}$/), name: 'get_weather', arguments: WEATHER_ARGS }]);
    expect([res.text, res.finishReason, res.outputTokens]).toEqual(['', 'tool_calls', encode(WEATHER_ARGS).length]);
  });

  it('tool_choice none offers no tools (Ollama has no tool_choice), and the answer is text', async () => {
    const res = await ollama.chat(ask(MODEL, { tools: [WEATHER], toolChoice: 'none' }), opts());
    expect(body()).not.toHaveProperty('tools');
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
    expect(ollama.features.has('tool_choice_required')).toBe(false);
  });

  it('a full round trip: the call goes back with object arguments, the result as a tool message with tool_name, the answer quotes it', async () => {
    mock.configure({ toolCalls: 2 });
    const first = await ollama.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const res = await ollama.chat(withResults(MODEL, first.toolCalls!, ['{"temp_c": 21}', '10:42'], { tools: [WEATHER, TIME] }), opts());
    expect(body().messages).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: JSON.parse(WEATHER_ARGS) } }, { function: { name: 'get_time', arguments: {} } }] },
      { role: 'tool', content: '{"temp_c": 21}', tool_name: 'get_weather' },
      { role: 'tool', content: '10:42', tool_name: 'get_time' },
    ]);
    expect(res.text).toContain('"get_weather: {"temp_c": 21}; get_time: 1": '); // the mock quotes 40 characters
    expect([res.toolCalls, res.finishReason]).toEqual([undefined, 'stop']);
  });

  it('a streamed tool call: the calls come whole in one line, each one tool_call event, the same calls as the chat', async () => {
    mock.configure({ toolCalls: 2 });
    const chat = await ollama.chat(ask(MODEL, { tools: [WEATHER, TIME] }), opts());
    const events = await collect(ollama.stream(ask(MODEL, { tools: [WEATHER, TIME] }), opts()));
    expect(events.filter((e) => e.type === 'tool_call').map((e) => e.index)).toEqual([0, 1]);
    const calls = assemble(events);
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(chat.toolCalls!.map(({ name, arguments: a }) => ({ name, arguments: a })));
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(done(events)).toMatchObject({ finishReason: 'tool_calls', inputTokens: chat.inputTokens, outputTokens: chat.outputTokens });
  });

  it('tool call arguments that are not a JSON object are refused (Ollama takes an object)', async () => {
    const r = await refusal(ollama, withResults(MODEL, [{ id: 'c1', name: 'get_weather', arguments: '"Paris"' }], ['{}']));
    expect(r.details).toMatchObject({ provider: 'ollama', feature: 'tools' });
    expect(mock.count('ollama')).toBe(0);
  });
});

describe('ollama images', () => {
  const picture = (data: string): ChatRequest => ({
    model: 'llava',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data } }] }],
  });

  it('a base64 image goes in the message\'s images, and the model sees it', async () => {
    const res = await ollama.chat(picture(PNG), opts());
    expect(body().messages).toEqual([{ role: 'user', content: 'What is this?', images: [PNG] }]);
    expect(res.text).toContain('[1 image] What is this?');
  });

  it('base64 text that is also a file path is sent as the image, never read from disk by the SDK', async () => {
    // "//etc/passwd" is valid base64 and an existing file: the SDK would read the file if given the text.
    await ollama.chat(picture('//etc/passwd'), opts());
    expect((body().messages as { images: string[] }[])[0]!.images).toEqual(['//etc/passwd']);
    await collect(ollama.stream(picture('//etc/passwd'), opts()));
    expect((body().messages as { images: string[] }[])[0]!.images).toEqual(['//etc/passwd']);
  });

  it('an image by URL is refused (Ollama takes image bytes only)', async () => {
    const r = await refusal(ollama, { model: 'llava', messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } }] }] });
    expect(r.details).toMatchObject({ provider: 'ollama', feature: 'image_urls' });
    expect(mock.count('ollama')).toBe(0);
  });
});

describe('ollama JSON formats', () => {
  it('json_object is format "json", and the answer is JSON, streamed too', async () => {
    const res = await ollama.chat(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts());
    expect(body().format).toBe('json');
    expect(JSON.parse(res.text)).toEqual({ answer: QUESTION.slice(0, 40) });
    const events = await collect(ollama.stream(ask(MODEL, { responseFormat: { type: 'json_object' } }), opts()));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(2);
    expect(streamText(events)).toBe(res.text);
  });

  it('json_schema is the schema as format, and the answer fits it', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', maximum: 3 } }, required: ['city', 'days'] };
    const res = await ollama.chat(ask(MODEL, { responseFormat: { type: 'json_schema', name: 'w', schema } }), opts());
    expect(body().format).toEqual(schema);
    expect(JSON.parse(res.text)).toEqual({ city: QUESTION.slice(0, 40), days: 3 });
  });
});

describe('ollama usage', () => {
  it('prompt_eval_count and eval_count; the thinking is counted in eval_count and is not the answer', async () => {
    mock.configure({ reasoningTokens: 25 });
    const request = ask(MODEL, { maxTokens: 6, extra: { think: true } });
    const input = encode(QUESTION).length;
    const res = await ollama.chat(request, opts());
    expect(body().think).toBe(true);
    expect(res).toMatchObject({ inputTokens: input, outputTokens: 31, finishReason: 'length' });
    expect([res.cachedInputTokens, res.reasoningTokens]).toEqual([undefined, undefined]);
    expect(res.text).not.toContain('Thinking');
    const events = await collect(ollama.stream(request, opts()));
    expect(streamText(events)).toBe(res.text);
    expect(done(events)).toEqual({ type: 'done', finishReason: 'length', model: MODEL, inputTokens: input, outputTokens: 31 });
  });

  it('seed and penalties are options', async () => {
    await ollama.chat(ask(MODEL, { seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25 }), opts());
    expect(body().options).toEqual({ seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25 });
  });
});
