// Every adapter says why generation stopped in the same words (FinishReason: stop, length,
// tool_calls, content_filter, error), from each provider's own answer shape.
import { describe, expect, it } from 'vitest';
import { chatAnswer } from '../../src/providers/openai/format.js';
import { anthropicAnswer } from '../../src/providers/anthropic/format.js';
import { geminiAnswer } from '../../src/providers/gemini/format.js';
import { cohereAnswer } from '../../src/providers/cohere/format.js';
import { ollamaAnswer } from '../../src/providers/ollama/format.js';
import { createLocalProvider } from '../../src/providers/local/index.js';

const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };

describe('normalised finish reasons', () => {
  it('openai (and the Hugging Face router): function_call and a forced call\'s "stop" are tool_calls; a refusal is content_filter', () => {
    const answer = (finish: string, message: Record<string, unknown> = { content: 'x' }) =>
      chatAnswer('openai', { choices: [{ message, finish_reason: finish }] }, 'm').finishReason;
    expect(['stop', 'length', 'tool_calls', 'function_call', 'content_filter', 'eos_token'].map((f) => answer(f))).toEqual(['stop', 'length', 'tool_calls', 'tool_calls', 'content_filter', 'stop']);
    expect(answer('stop', { content: null, tool_calls: [call] })).toBe('tool_calls');
    expect(answer('stop', { content: null, refusal: 'I cannot help with that.' })).toBe('content_filter');
  });

  it('anthropic: end_turn and stop_sequence stop, max_tokens length, tool_use tool_calls, refusal content_filter', () => {
    const answer = (stop: string) => anthropicAnswer({ content: [{ type: 'text', text: 'x' }], stop_reason: stop }, 'm', false).finishReason;
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'model_context_window_exceeded', 'tool_use', 'refusal'].map(answer)).toEqual(['stop', 'stop', 'length', 'length', 'tool_calls', 'content_filter']);
    // The forced tool of JSON output is the answer, finished.
    expect(anthropicAnswer({ content: [{ type: 'tool_use', id: 't', name: 'json_output', input: { a: 1 } }], stop_reason: 'tool_use' }, 'm', true)).toMatchObject({ text: '{"a":1}', finishReason: 'stop' });
  });

  it('gemini: STOP, MAX_TOKENS, the safety family, errors; STOP with a function call is tool_calls; a blocked prompt is content_filter', () => {
    const answer = (finish: string, parts: unknown[] = [{ text: 'x' }]) => geminiAnswer({ candidates: [{ content: { parts }, finishReason: finish }] }, 'm').finishReason;
    expect(['STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'MALFORMED_FUNCTION_CALL', 'LANGUAGE', 'OTHER'].map((f) => answer(f))).toEqual([
      'stop', 'length', 'content_filter', 'content_filter', 'content_filter', 'content_filter', 'content_filter', 'content_filter', 'error', 'error', 'error',
    ]);
    expect(answer('STOP', [{ functionCall: { name: 'f', args: {} } }])).toBe('tool_calls');
    expect(geminiAnswer({ promptFeedback: { blockReason: 'SAFETY' } }, 'm').finishReason).toBe('content_filter');
  });

  it('cohere: COMPLETE and STOP_SEQUENCE stop, MAX_TOKENS length, TOOL_CALL tool_calls, ERROR and TIMEOUT error', () => {
    const answer = (finish: string) => cohereAnswer({ message: { content: [{ type: 'text', text: 'x' }] }, finishReason: finish }, 'm').finishReason;
    expect(['COMPLETE', 'STOP_SEQUENCE', 'MAX_TOKENS', 'TOOL_CALL', 'ERROR', 'TIMEOUT'].map(answer)).toEqual(['stop', 'stop', 'length', 'tool_calls', 'error', 'error']);
  });

  it('ollama: stop, length, load/unload stop; stop with tool calls is tool_calls', () => {
    const answer = (reason: string, message: Record<string, unknown> = { content: 'x' }) => ollamaAnswer({ message, done_reason: reason }, 'm').finishReason;
    expect(['stop', 'length', 'load', 'unload'].map((r) => answer(r))).toEqual(['stop', 'length', 'stop', 'stop']);
    expect(answer('stop', { content: '', tool_calls: [{ function: { name: 'f', arguments: {} } }] })).toBe('tool_calls');
  });

  it('local: stop, or length when max tokens cut the answer', async () => {
    const local = createLocalProvider({ latencyMs: 0, tokensPerSecond: 0 });
    const signal = new AbortController().signal;
    const ask = (maxTokens?: number) => local.chat({ model: '', messages: [{ role: 'user', content: 'Tell me about gateways.' }], maxTokens }, { signal });
    expect([(await ask()).finishReason, (await ask(1)).finishReason]).toEqual(['stop', 'length']);
  });
});
