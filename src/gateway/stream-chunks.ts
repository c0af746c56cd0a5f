// Turns stream pieces into the guide's chunks: content grouped to at least
// chunk_size characters, a token estimate per chunk, and a final chunk carrying
// usage and cost. A tool-call piece goes out at once in a chunk of its own (after the
// text before it), so the order of text and calls is kept. Used by SSE and by the
// GraphQL subscription alike.
import type { ToolCallDelta } from '../cache/response-cache.js';
import { countTokens } from '../optimize/tokenizer.js';
import type { CompletionResult } from './gateway.js';
import type { StreamPiece } from './streaming.js';

export interface OutputChunk {
  chunkId: number;
  content: string;
  tokensEstimated: number;
  isComplete: boolean;
  /** A piece of a tool call, on a chunk of its own (content ''). */
  toolCalls?: ToolCallDelta[];
  /** On the final chunk only. */
  result?: CompletionResult;
}

export async function* outputChunks(pieces: AsyncIterable<StreamPiece>, chunkSize = 0, model?: string): AsyncGenerator<OutputChunk> {
  let id = 0;
  let buffer = '';
  const emit = (content: string): OutputChunk => ({ chunkId: id++, content, tokensEstimated: countTokens(content, model), isComplete: false });
  for await (const piece of pieces) {
    if (piece.type === 'chunk') {
      buffer += piece.text;
      if (buffer.length >= chunkSize) {
        yield emit(buffer);
        buffer = '';
      }
    } else if (piece.type === 'tool_call') {
      if (buffer) yield emit(buffer);
      buffer = '';
      const { type: _type, ...delta } = piece;
      yield { chunkId: id++, content: '', tokensEstimated: countTokens((delta.name ?? '') + (delta.arguments ?? ''), model), isComplete: false, toolCalls: [delta] };
    } else {
      if (buffer) yield emit(buffer);
      yield { chunkId: id++, content: '', tokensEstimated: 0, isComplete: true, result: piece.result };
    }
  }
}
