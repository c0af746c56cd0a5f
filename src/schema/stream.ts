import { requireViewer } from '../auth/auth-service.js';
import type { ToolCallDelta } from '../cache/response-cache.js';
import type { OutputChunk } from '../gateway/stream-chunks.js';
import { outputChunks } from '../gateway/stream-chunks.js';
import { builder } from './builder.js';
import { CompletionResultRef, CompletionInputType, toInput } from './completion.js';

const ToolCallDeltaRef = builder.objectRef<ToolCallDelta>('ToolCallDelta').implement({
  description: "A piece of a tool call: id and name on the call's first piece, the arguments (JSON text) in pieces after",
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Which call of the answer this piece belongs to' }),
    id: t.exposeString('id', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    arguments: t.exposeString('arguments', { nullable: true }),
  }),
});

const StreamChunkRef = builder.objectRef<OutputChunk>('StreamChunk').implement({
  fields: (t) => ({
    chunkId: t.exposeInt('chunkId'),
    content: t.exposeString('content'),
    tokensEstimated: t.exposeInt('tokensEstimated'),
    isComplete: t.exposeBoolean('isComplete'),
    toolCalls: t.field({
      type: [ToolCallDeltaRef],
      nullable: true,
      description: 'Tool-call pieces, in order with the text (on chunks of their own, content empty)',
      resolve: (c) => c.toolCalls ?? null,
    }),
    result: t.field({
      type: CompletionResultRef,
      nullable: true,
      description: 'On the final chunk: usage, cost and whether the answer came from the cache',
      resolve: (c) => c.result ?? null,
    }),
  }),
});

builder.subscriptionField('streamCompletion', (t) =>
  t.field({
    type: StreamChunkRef,
    description: 'Streams a completion chunk by chunk; the last chunk has isComplete and the result.',
    args: {
      input: t.arg({ type: CompletionInputType, required: true }),
      chunkSize: t.arg.int({ description: 'Group content into chunks of at least this many characters' }),
    },
    subscribe: async (_, { input, chunkSize }, ctx) => {
      const pieces = await ctx.services.streaming.open(
        toInput(input, { provider: input.provider ?? undefined, model: input.model ?? undefined, fallback: input.fallback ?? undefined }),
        { viewer: requireViewer(ctx.viewer), source: 'stream', cancel: ctx.cancel },
      );
      return outputChunks(pieces, chunkSize ?? 0, input.model ?? undefined);
    },
    resolve: (chunk) => chunk,
  }),
);
