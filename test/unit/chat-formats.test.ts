// The OpenAI chat format as OpenAI-compatible servers also speak it (the Hugging Face
// router's TGI backends: tool_calls as one object, empty ids, arguments as an object, stream
// pieces without an index), and what Anthropic's translation refuses.
import { describe, expect, it } from 'vitest';
import { chatAnswer, chunkEvents, streamState } from '../../src/providers/openai/format.js';
import { anthropicEvent, anthropicRequest, anthropicStreamState } from '../../src/providers/anthropic/format.js';
import { streamEnd } from '../../src/providers/calls.js';
import type { ChatRequest, StreamEvent } from '../../src/providers/types.js';

describe('the OpenAI chat format from OpenAI-compatible servers', () => {
  it('a tool call as one object with an empty id and its arguments as an object: an id derived from the answer, arguments as JSON text', () => {
    const res = { id: 'cmpl-1', choices: [{ message: { content: null, tool_calls: { id: '', type: 'function', function: { name: 'f', arguments: { a: 1 } } } }, finish_reason: 'eos_token' }] };
    const a = chatAnswer('huggingface', res, 'm');
    expect(a.toolCalls).toEqual([{ id: expect.stringMatching(/^call_[A-Za-z0-9_-]{24}$/), name: 'f', arguments: '{"a":1}' }]);
    expect(chatAnswer('huggingface', res, 'm').toolCalls![0]!.id).toBe(a.toolCalls![0]!.id);
    expect([a.text, a.finishReason]).toEqual(['', 'tool_calls']);
  });

  it('stream pieces without an index continue the call started last; a refusal streams as text and ends content_filter', () => {
    const state = streamState();
    const end = streamEnd('m');
    const events: (string | StreamEvent)[] = [];
    const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'cmpl-2', choices: [{ delta, finish_reason: finish }] });
    events.push(...chunkEvents('huggingface', chunk({ tool_calls: { id: '', function: { name: 'f', arguments: '{"a"' } } }), state, end));
    events.push(...chunkEvents('huggingface', chunk({ tool_calls: { function: { name: 'f', arguments: ':1}' } } }), state, end));
    events.push(...chunkEvents('huggingface', chunk({}, 'stop'), state, end));
    expect(events).toEqual([
      { type: 'tool_call', index: 0, id: expect.stringMatching(/^call_/), name: 'f', arguments: '{"a"' },
      { type: 'tool_call', index: 0, arguments: ':1}' },
    ]);
    expect(end.finishReason).toBe('tool_calls');

    const refused = streamState();
    const end2 = streamEnd('m');
    expect(chunkEvents('openai', chunk({ refusal: 'I cannot.' }), refused, end2)).toEqual(['I cannot.']);
    chunkEvents('openai', chunk({}, 'stop'), refused, end2);
    expect(end2.finishReason).toBe('content_filter');
  });
});

describe("what Anthropic's translation refuses", () => {
  const ask = (extra: Partial<ChatRequest>): ChatRequest => ({ model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'hi' }], ...extra });
  const refusal = (request: ChatRequest) => {
    try {
      anthropicRequest(request, 'claude-3-5-sonnet-20241022');
    } catch (err) {
      const e = err as { code: string; status: number; message: string; details: unknown };
      return [e.code, e.status, e.details, e.message];
    }
    return null;
  };
  const thinking = { thinking: { type: 'enabled', budget_tokens: 1024 } };
  const weather = { name: 'get_weather', parameters: { type: 'object', properties: {} } };

  it('a forced tool call or JSON output with extended thinking (the API refuses them together)', () => {
    expect(refusal(ask({ tools: [weather], toolChoice: 'required', extra: thinking }))).toEqual([
      'UNSUPPORTED_FEATURE', 400, { provider: 'anthropic', feature: 'tool_choice_required' }, 'anthropic does not support forcing a tool call with extended thinking',
    ]);
    expect(refusal(ask({ responseFormat: { type: 'json_object' }, extra: thinking }))?.[2]).toEqual({ provider: 'anthropic', feature: 'json_object' });
    expect(refusal(ask({ tools: [weather], toolChoice: 'auto', extra: thinking }))).toBeNull();
  });

  it('tool call arguments that are not a JSON object (a tool_use input is one)', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'get_weather', arguments: '"Paris"' }] },
      { role: 'tool', content: '{}', toolCallId: 't1' },
    ];
    expect(refusal(ask({ tools: [weather], messages }))?.slice(0, 3)).toEqual(['UNSUPPORTED_FEATURE', 400, { provider: 'anthropic', feature: 'tools' }]);
  });
});

describe("Anthropic's stream usage", () => {
  it('message_start reports input and cache counts; a message_delta with output_tokens only keeps them, one that repeats them updates them', () => {
    const state = anthropicStreamState(false);
    const end = streamEnd('m');
    anthropicEvent({ type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 1 } } }, state, end);
    anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }, state, end);
    expect(end).toEqual({ model: 'claude-x', finishReason: 'stop', inputTokens: 17, cachedInputTokens: 5, cacheWriteTokens: 2, outputTokens: 7 });
    anthropicEvent({ type: 'message_delta', delta: {}, usage: { input_tokens: 11, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 9 } }, state, end);
    expect([end.inputTokens, end.outputTokens]).toEqual([18, 9]);
  });
});
