// The pipeline's own handling of tool calls, apart from any provider: finish reasons in one
// vocabulary whatever an adapter passed on, streamed pieces assembled into calls, and the
// chunks SSE and GraphQL send (tool-call pieces on chunks of their own, in order with the text).
import { describe, expect, it } from 'vitest';
import { normaliseFinishReason, type CompletionResult } from '../../src/gateway/gateway.js';
import { outputChunks } from '../../src/gateway/stream-chunks.js';
import { ToolCallAssembly, type StreamPiece } from '../../src/gateway/streaming.js';

describe('normaliseFinishReason', () => {
  it('maps what providers say to stop, length, tool_calls, content_filter or error, and anything else to null', () => {
    const said = ['stop', 'end_turn', 'STOP', 'COMPLETE', 'length', 'max_tokens', 'MAX_TOKENS', 'tool_use', 'function_call', 'SAFETY', 'RECITATION', 'content_filter', 'error', 'weird'];
    expect(said.map((r) => normaliseFinishReason(r, false))).toEqual([
      'stop', 'stop', 'stop', 'stop', 'length', 'length', 'length', 'tool_calls', 'tool_calls', 'content_filter', 'content_filter', 'content_filter', 'error', null,
    ]);
  });
  it('an answer with tool calls that stopped naturally (or said nothing) stopped to call them; cut short stays length', () => {
    expect([normaliseFinishReason('stop', true), normaliseFinishReason(null, true), normaliseFinishReason(null, false), normaliseFinishReason('length', true)]).toEqual([
      'tool_calls', 'tool_calls', null, 'length',
    ]);
  });
});

describe('ToolCallAssembly', () => {
  it('joins argument pieces per call and orders the calls by index, whatever order the pieces came in', () => {
    const a = new ToolCallAssembly();
    a.add({ index: 1, id: 'c2', name: 'g' });
    a.add({ index: 0, id: 'c1', name: 'f', arguments: '{"a"' });
    a.add({ index: 1, arguments: '{}' });
    a.add({ index: 0, arguments: ':1}' });
    expect(a.list).toEqual([
      { id: 'c1', name: 'f', arguments: '{"a":1}' },
      { id: 'c2', name: 'g', arguments: '{}' },
    ]);
  });
});

describe('outputChunks', () => {
  async function* pieces(list: StreamPiece[]) {
    yield* list;
  }
  const result = { provider: 'local' } as CompletionResult;

  it('flushes the text before a tool-call piece, sends each piece on a chunk of its own, then the final chunk', async () => {
    const out = [];
    const input: StreamPiece[] = [
      { type: 'chunk', text: 'Let me ' },
      { type: 'chunk', text: 'check.' },
      { type: 'tool_call', index: 0, id: 'c1', name: 'get_weather' },
      { type: 'tool_call', index: 0, arguments: '{"city":"Paris"}' },
      { type: 'done', result },
    ];
    for await (const c of outputChunks(pieces(input), 100)) out.push(c);
    expect(out.map((c) => [c.chunkId, c.content, c.toolCalls ?? null, c.isComplete])).toEqual([
      [0, 'Let me check.', null, false],
      [1, '', [{ index: 0, id: 'c1', name: 'get_weather' }], false],
      [2, '', [{ index: 0, arguments: '{"city":"Paris"}' }], false],
      [3, '', null, true],
    ]);
    expect(out.at(-1)!.result).toBe(result);
  });
});
