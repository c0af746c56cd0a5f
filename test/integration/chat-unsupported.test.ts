// What Gemini, Cohere and Ollama cannot carry, through the gateway's REST API and its
// stream: a feature a provider does not declare is 400 UNSUPPORTED_FEATURE naming provider
// and feature; what only the translation finds (a schema keyword outside Gemini's subset, an
// image for a Cohere model without vision) is refused too, and neither reaches the provider
// nor counts against its circuit breaker.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockProvider, type MockUpstream } from '../mock-upstream/server.js';
import type { TestApp } from '../helpers/app.js';
import { expectUndeclared, gatewayOn, PNG } from '../helpers/chat-features.js';

let mock: MockUpstream;
let t: TestApp;
let token: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  t = await gatewayOn(mock);
  token = await t.adminToken();
});
afterAll(async () => {
  await t?.stop();
  await mock?.close();
});
beforeEach(() => mock.reset());

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const byUrl = { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] };
const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } };
const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '"Paris"' } };

const UNDECLARED: [MockProvider, string, Record<string, unknown>, string][] = [
  ['gemini', 'an image by URL', byUrl, 'image_urls'],
  ['gemini', 'parallel_tool_calls', { prompt: 'hi', tools: [weather], parallel_tool_calls: false }, 'parallel_tool_calls'],
  ['gemini', 'the user field', { prompt: 'hi', user: 'u-1' }, 'user'],
  ['cohere', 'parallel_tool_calls', { prompt: 'hi', tools: [weather], parallel_tool_calls: true }, 'parallel_tool_calls'],
  ['cohere', 'the user field', { prompt: 'hi', user: 'u-1' }, 'user'],
  ['ollama', 'an image by URL', byUrl, 'image_urls'],
  ['ollama', 'tool_choice required', { prompt: 'hi', tools: [weather], tool_choice: 'required' }, 'tool_choice_required'],
  ['ollama', 'a named tool_choice', { prompt: 'hi', tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, 'tool_choice_required'],
  ['ollama', 'parallel_tool_calls', { prompt: 'hi', tools: [weather], parallel_tool_calls: true }, 'parallel_tool_calls'],
  ['ollama', 'the user field', { prompt: 'hi', user: 'u-1' }, 'user'],
];

describe('features a provider does not declare', () => {
  it.each(UNDECLARED)('%s, %s: 400 UNSUPPORTED_FEATURE naming the provider and the feature, on the completion and the stream', async (provider, _name, body, feature) => {
    await expectUndeclared(t, token, mock, provider, body, feature);
  });
});

const TRANSLATION: [MockProvider, string, Record<string, unknown>, string][] = [
  ['gemini', 'a schema keyword outside its subset', { prompt: 'hi', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string', format: 'email' } } } } } }, 'format "email"'],
  ['gemini', 'a tool result for a call not in the conversation', { tools: [weather], messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_9', content: '{}' }] }, 'tool_call_id call_9 is in no earlier assistant message'],
  ['cohere', 'an image for a model without vision', { model: 'command-r', messages: [{ role: 'user', content: [image] }] }, 'image inputs on command-r'],
  ['ollama', 'tool call arguments that are not an object', { tools: [weather], messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '{}' }] }, 'tool call arguments that are not a JSON object'],
];

describe('what the translation refuses', () => {
  it.each(TRANSLATION)('%s, %s: a 400 that says what, nothing sent, and the provider stays available', async (provider, _name, body, what) => {
    // More refusals than the circuit breaker's threshold (5): none counts against the provider.
    for (let i = 0; i < 6; i++) {
      const r = await t.request('POST', `/api/ai/${provider}`, { token, body });
      expect([r.status, r.body.error?.message]).toEqual([400, expect.stringContaining(`${provider} does not support`)]);
      expect(r.body.error.message).toContain(what);
    }
    const streamed = await t.request('POST', '/api/ai/stream', { token, body: { ...body, provider } });
    expect([streamed.status, streamed.body.error?.message]).toEqual([400, expect.stringContaining(what)]);
    expect(mock.count(provider)).toBe(0);
    const ok = await t.request('POST', `/api/ai/${provider}`, { token, body: { prompt: 'still there?' } });
    expect([ok.status, ok.body.provider]).toEqual([200, provider]);
  });
});
