import { requireViewer } from '../auth/auth-service.js';
import type { OutputChunk } from '../gateway/stream-chunks.js';
import { outputChunks } from '../gateway/stream-chunks.js';
import { builder } from './builder.js';
import { CompletionResultRef, CompletionInputType, toInput } from './completion.js';

const StreamChunkRef = builder.objectRef<OutputChunk>('StreamChunk').implement({
  fields: (t) => ({
    chunkId: t.exposeInt('chunkId'),
    content: t.exposeString('content'),
    tokensEstimated: t.exposeInt('tokensEstimated'),
    isComplete: t.exposeBoolean('isComplete'),
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
