// The completion request's one validation, the pure parts: JSON bounds without recursion,
// image URLs, the extras allow-list, and the cache key's treatment of images and scopes.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalJson, completionCacheKey } from '../../src/cache/completion-key.js';
import { extraProblem, jsonProblem, parseImageUrl, validateCompletionInput } from '../../src/gateway/completion-input.js';
import type { ChatRequest } from '../../src/providers/types.js';

describe('jsonProblem', () => {
  it('walks 100,000 levels without overflowing the stack', () => {
    let v: unknown = {};
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(jsonProblem(v, 8, 1_000_000)).toBe('is nested deeper than 8 levels');
  });
  it('counts values, including wide ones, before visiting them', () => {
    expect(jsonProblem({ a: Array(2_000).fill(1) }, 8, 1_000)).toBe('has more than 1000 values');
    expect(jsonProblem({ a: [1, 2, { b: 'c' }] }, 8, 1_000)).toBeNull();
    expect(jsonProblem({ a: Number.NaN }, 8, 1_000)).toBe('holds a number that is not finite');
  });
});

describe('parseImageUrl', () => {
  it('takes https URLs and base64 data URLs of images', () => {
    expect(parseImageUrl('https://example.com/cat.png')).toEqual({ kind: 'url', url: 'https://example.com/cat.png' });
    expect(parseImageUrl('data:image/png;base64,iVBORw0KGgo=')).toEqual({ kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' });
  });
  it.each([
    ['http://example.com/a.png', 'must be an https URL or a data URL'],
    ['file:///etc/passwd', 'must be an https URL or a data URL'],
    ['https://user:pw@example.com/a.png', 'must not carry credentials'],
    ['data:text/html;base64,PGI+', 'media type must be one of image/png, image/jpeg, image/gif, image/webp'],
    ['data:image/png,rawbytes', 'must be a base64 data URL (data:image/png;base64,...)'],
    ['data:image/png;base64,abc', 'is not valid base64'],
  ])('refuses %s', (url, problem) => {
    expect(parseImageUrl(url)).toBe(problem);
  });
});

describe('extraProblem', () => {
  const allowed = ['think', 'options.top_k', 'options.min_p'];
  it('names the first key outside the allow-list, nested keys included', () => {
    expect(extraProblem({ think: true, options: { top_k: 4 } }, allowed)).toBeNull();
    expect(extraProblem({ keep_alive: '1h' }, allowed)).toBe('keep_alive');
    expect(extraProblem({ options: { num_gpu: 2 } }, allowed)).toBe('options.num_gpu');
    expect(extraProblem({ options: 'all' }, allowed)).toBe('options');
    expect(extraProblem(JSON.parse('{"__proto__": {"top_k": 1}}'), allowed)).toBe('__proto__');
  });
});

describe('validateCompletionInput', () => {
  it('keeps a text-and-image message and parses the image once', () => {
    const input = validateCompletionInput({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' }] }],
    });
    expect(input.messages![0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
    ]);
  });
  it('names fields in snake_case', () => {
    expect(() => validateCompletionInput({ prompt: 'x', maxTokens: 0 })).toThrow(/^max_tokens: /);
    expect(() => validateCompletionInput({ messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: 1 }] }] })).toThrow(
      /^messages\.0\.tool_calls\.0\.arguments: /,
    );
  });
});

describe('completionCacheKey', () => {
  const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  const image = (data: string): ChatRequest => ({
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'what?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data } }] }],
  });
  it('partitions by scope', () => {
    expect(completionCacheKey('p', base, 'u:1')).not.toBe(completionCacheKey('p', base, 'u:2'));
    expect(completionCacheKey('p', base, '*')).toBe(completionCacheKey('p', base, '*'));
  });
  it('keys images by their bytes', () => {
    expect(completionCacheKey('p', image('AAAA'), '*')).toBe(completionCacheKey('p', image('AAAA'), '*'));
    expect(completionCacheKey('p', image('AAAA'), '*')).not.toBe(completionCacheKey('p', image('AAAB'), '*'));
  });
  it('keys tools, tool results and output format', () => {
    const keys = new Set(
      [
        base,
        { ...base, tools: [{ name: 'f' }] },
        { ...base, toolChoice: 'required' as const, tools: [{ name: 'f' }] },
        { ...base, responseFormat: { type: 'json_object' as const } },
        { ...base, seed: 1 },
        { ...base, messages: [...base.messages, { role: 'tool' as const, content: '1', toolCallId: 'c1' }] },
        { ...base, messages: [...base.messages, { role: 'tool' as const, content: '2', toolCallId: 'c1' }] },
      ].map((r) => completionCacheKey('p', r, '*')),
    );
    expect(keys.size).toBe(7);
  });
  it('keys every turn of an agent loop: the same conversation hits, any other result, call or turn misses', () => {
    const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const loop = (result: string, args = call.arguments, extra: ChatRequest['messages'] = []): ChatRequest => ({
      model: 'm',
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [{ ...call, arguments: args }] },
        { role: 'tool', content: result, toolCallId: 'call_1' },
        ...extra,
      ],
    });
    const key = (r: ChatRequest) => completionCacheKey('p', r, '*');
    expect(key(loop('{"temp_c":21}'))).toBe(key(JSON.parse(JSON.stringify(loop('{"temp_c":21}'))) as ChatRequest));
    const keys = new Set([
      loop('{"temp_c":21}'),
      loop('{"temp_c":22}'),
      loop('{"temp_c":21}', '{"city":"Lyon"}'),
      loop('{"temp_c":21}', undefined, [{ role: 'assistant', content: 'It is 21°C.' }, { role: 'user', content: 'And tomorrow?' }]),
      { ...loop('{"temp_c":21}'), messages: loop('{"temp_c":21}').messages.slice(0, 1) },
    ].map(key));
    expect(keys.size).toBe(5);
  });
  it('is the hash of the canonical JSON of the request (entries stored under keys of earlier versions still hit)', () => {
    const request: ChatRequest = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', detail: 'low', source: { kind: 'url', url: 'https://example.com/a.png' } }] },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'look', arguments: '{"z":1,"a":2}' }] },
        { role: 'tool', content: 'a cat', toolCallId: 'c1' },
      ],
      maxTokens: 20, temperature: 0.5, topP: 0.9, stop: ['\n'], seed: 7, presencePenalty: 0.1, frequencyPenalty: -0.1, user: 'u-1',
      tools: [{ name: 'look', parameters: { type: 'object', properties: { url: { type: 'string' }, '2': {}, '10': {} } } }],
      toolChoice: { name: 'look' }, parallelToolCalls: false, responseFormat: { type: 'json_object' }, extra: { top_k: 3, b: null },
    };
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const keyed = (r: ChatRequest) => canonicalJson({
      scope: 'u:1', provider: 'openai', model: r.model,
      messages: r.messages.map((m) => ({
        role: m.role,
        content: typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p : { type: 'image', detail: p.detail, image: p.source.kind === 'url' ? p.source.url : '' })),
        tool_calls: m.toolCalls, tool_call_id: m.toolCallId,
      })),
      max_tokens: r.maxTokens, temperature: r.temperature, top_p: r.topP, stop: r.stop, tools: r.tools, tool_choice: r.toolChoice,
      parallel_tool_calls: r.parallelToolCalls, response_format: r.responseFormat, seed: r.seed, presence_penalty: r.presencePenalty,
      frequency_penalty: r.frequencyPenalty, user: r.user, extra: r.extra,
    });
    for (const r of [request, { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] }]) {
      expect(completionCacheKey('openai', r, 'u:1')).toBe(`c:openai:${sha(r.model).slice(0, 16)}:${sha(keyed(r))}`);
    }
    expect(canonicalJson({ b: [1, undefined, { d: null, c: undefined }], a: 'x', '10': 1, '2': 2 })).toBe('{"10":1,"2":2,"a":"x","b":[1,null,{"d":null}]}');
  });
});
