import { CohereClientV2, CohereError, CohereTimeoutError, type Cohere } from 'cohere-ai';
import type { ChatRequest } from '../types.js';
import { UpstreamError } from '../types.js';
import { count, defined, defineProvider, isRecord, lazyClient, modelOf, stopList, str } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { INFO } from './info.js';

const NAME = INFO.name;
const EMBED_MODEL = 'embed-english-v3.0';
/** The SDK multiplies this by 1000 for setTimeout, whose ceiling is 2^31-1 ms: about 24 days. */
const NO_TIMEOUT_SECONDS = 2_000_000;

interface Usage {
  billedUnits?: { inputTokens?: unknown; outputTokens?: unknown };
  tokens?: { inputTokens?: unknown; outputTokens?: unknown };
}

/** Billed units are what Cohere charges for; `tokens` (which adds its prompt template) is the fallback. */
function usageCounts(usage: Usage | undefined): { inputTokens: number | null; outputTokens: number | null } {
  return {
    inputTokens: count(usage?.billedUnits?.inputTokens) ?? count(usage?.tokens?.inputTokens),
    outputTokens: count(usage?.billedUnits?.outputTokens) ?? count(usage?.tokens?.outputTokens),
  };
}

export const createCohereProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel }) => {
  const sdk = lazyClient(NAME, apiKey, (token) => {
    return new CohereClientV2({ token, environment: baseUrl, maxRetries: 0, timeoutInSeconds: NO_TIMEOUT_SECONDS, fetch: upstreamFetch });
  });

  const fail: Fail = (err, signal) => {
    let http: HttpFailure | null = null;
    if (err instanceof CohereError && err.statusCode) {
      const body = err.body;
      const message = isRecord(body) ? (body.message ?? body.error) : body;
      http = { status: err.statusCode, message: message ?? err.message.split('\n')[0], headers: err.rawResponse?.headers };
    } else if (err instanceof CohereTimeoutError && !signal.aborted) {
      return new UpstreamError('timeout', `${NAME} request timed out`);
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  const body = (request: ChatRequest) => ({
    model: modelOf(request, defaultModel),
    // Cohere v2 takes the system prompt as a message with role "system", in place.
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })) as Cohere.ChatMessages,
    ...defined({
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      p: request.topP,
      stopSequences: stopList(request),
    }),
    // Unknown keys pass through the SDK's serializer as they are (snake_case wire names).
    ...request.extra,
  });

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const res: unknown = await sdk().chat(body(request), { abortSignal: signal });
        // A 200 with a non-JSON body reaches us as an object without `message` (the SDK does not throw).
        if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
        const content = Array.isArray(res.message.content) ? (res.message.content as { type?: unknown; text?: unknown }[]) : [];
        return {
          text: content.map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : '')).join(''),
          finishReason: str(res.finishReason) ?? null,
          ...usageCounts(res.usage as Usage | undefined),
          // Cohere does not echo the model.
          model: modelOf(request, defaultModel),
        };
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const stream = await sdk().chatStream(body(request), { abortSignal: linked });
        const end = streamEnd(modelOf(request, defaultModel));
        for await (const event of stream) {
          if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
          if (event.type === 'content-delta') {
            yield event.delta?.message?.content?.text;
          } else if (event.type === 'message-end') {
            if (event.delta?.error) throw malformed(NAME, `stream ended with an error: ${event.delta.error}`);
            end.finishReason = str(event.delta?.finishReason) ?? end.finishReason;
            Object.assign(end, usageCounts(event.delta?.usage as Usage | undefined));
          }
        }
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ pageSize: 1 }, { abortSignal: signal });
      }),

    embed: (texts, { signal }) =>
      guarded(signal, fail, async () => {
        const res: unknown = await sdk().embed(
          { model: EMBED_MODEL, texts, inputType: 'clustering', embeddingTypes: ['float'] },
          { abortSignal: signal },
        );
        const floats = isRecord(res) && isRecord(res.embeddings) ? res.embeddings.float : undefined;
        if (!Array.isArray(floats)) throw malformed(NAME, 'no float embeddings');
        return floats as number[][];
      }),
  };
});
