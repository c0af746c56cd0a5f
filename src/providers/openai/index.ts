import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { ChatRequest } from '../types.js';
import { defineProvider, isRecord, lazyClient, modelOf, NO_TIMEOUT_MS } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError } from '../upstream-error.js';
import { chatAnswer, chatBody, chunkEvents, streamState } from './format.js';
import { upstreamFetchOmitting } from '../upstream-fetch.js';
import { INFO } from './info.js';

const NAME = INFO.name;

/**
 * The SDK's telemetry headers (the gateway host's OS, architecture, runtime and their
 * versions, the SDK's retry count and timeout), which the API does not need. The gateway's
 * HTTP client leaves them out as it copies the request's headers (upstreamFetchOmitting);
 * with another fetch (settings.fetch) they go through the public defaultHeaders (a null
 * header is not sent), which costs the SDK three Headers.delete per header on every call.
 */
const TELEMETRY = ['Lang', 'Package-Version', 'OS', 'Arch', 'Runtime', 'Runtime-Version', 'Retry-Count', 'Timeout'].map((h) => `X-Stainless-${h}`);
export const NO_TELEMETRY = Object.fromEntries(TELEMETRY.map((h) => [h, null]));
const fetchWithoutTelemetry = upstreamFetchOmitting(TELEMETRY);

/** OpenAI's reasoning models take max_completion_tokens only. */
const REASONING_MODEL = /^(o\d|gpt-5)/;

export const createOpenAIProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch }) => {
  const sdk = lazyClient(NAME, apiKey, (key) =>
    // Public options only: the gateway's HTTP client as `fetch` (upstreamFetch, without the telemetry
    // headers), no SDK retries (the gateway retries), no SDK timeout (the caller's deadline aborts
    // through the signal).
    new OpenAI({
      apiKey: key, baseURL: baseUrl, maxRetries: 0, timeout: NO_TIMEOUT_MS,
      ...(fetch ? { fetch, defaultHeaders: NO_TELEMETRY } : { fetch: fetchWithoutTelemetry }),
    }),
  );
  const body = (request: ChatRequest, last: Record<string, unknown>) =>
    chatBody(request, defaultModel, last, { maxCompletionTokens: REASONING_MODEL.test(modelOf(request, defaultModel)) });

  const fail: Fail = (err, signal) =>
    toUpstreamError(
      { provider: NAME, signal, apiKey },
      err,
      err instanceof APIError && err.status
        ? { status: err.status, message: (err.error as { message?: unknown } | undefined)?.message ?? err.message, headers: err.headers }
        : null,
    );

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const params = body(request, { stream: false }) as unknown as ChatCompletionCreateParamsNonStreaming;
        const res: unknown = await sdk().chat.completions.create(params, { signal });
        return chatAnswer(NAME, res, modelOf(request, defaultModel));
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        // include_usage: the last chunk reports the usage (a stream has none otherwise).
        const params = body(request, { stream: true, stream_options: { include_usage: true } }) as unknown as ChatCompletionCreateParamsStreaming;
        const stream = await sdk().chat.completions.create(params, { signal: linked });
        const end = streamEnd(modelOf(request, defaultModel));
        const state = streamState();
        for await (const chunk of stream) yield* chunkEvents(NAME, chunk, state, end);
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ signal });
      }),

    embed: (texts, { signal }, model = INFO.embeddingModels![0]!) =>
      guarded(signal, fail, async () => {
        const res: unknown = await sdk().embeddings.create(
          { model, input: texts, encoding_format: 'float' },
          { signal },
        );
        if (!isRecord(res) || !Array.isArray(res.data)) throw malformed(NAME, 'no embeddings');
        return [...(res.data as { index: number; embedding: number[] }[])]
          .sort((a, b) => a.index - b.index)
          .map((d) => d.embedding);
      }),
  };
});
