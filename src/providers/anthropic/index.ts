import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatRequest } from '../types.js';
import { count, defined, defineProvider, isRecord, lazyClient, modelOf, NO_TIMEOUT_MS, splitSystem, stopList, str } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError } from '../upstream-error.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { INFO } from './info.js';

const NAME = INFO.name;
/** Anthropic requires max_tokens; this is what we send when the caller set none. */
const DEFAULT_MAX_TOKENS = 1024;

export const createAnthropicProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel }) => {
  const sdk = lazyClient(NAME, apiKey, (key) => {
    return new Anthropic({
      apiKey: key,
      // Explicit so that no ANTHROPIC_AUTH_TOKEN from the environment rides along.
      authToken: null,
      baseURL: baseUrl,
      maxRetries: 0,
      // Also disables the SDK's "streaming required" guard for large non-streaming max_tokens.
      timeout: NO_TIMEOUT_MS,
      fetch: upstreamFetch,
    });
  });

  const fail: Fail = (err, signal) => {
    let http = null;
    if (err instanceof APIError && err.status) {
      // err.error is the whole body: { type: 'error', error: { type, message } }
      const body = err.error as { error?: { message?: unknown }; message?: unknown } | undefined;
      http = { status: err.status, message: body?.error?.message ?? body?.message ?? err.message, headers: err.headers };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  // `last` goes in the same literal (see chatBody in ../openai/format.ts).
  const body = (request: ChatRequest, last: { stream: boolean }) => {
    const { system, rest } = splitSystem(request.messages);
    return {
      model: modelOf(request, defaultModel),
      max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...defined({ system }),
      messages: rest.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
      ...defined({ temperature: request.temperature, top_p: request.topP, stop_sequences: stopList(request) }),
      ...request.extra,
      ...last,
    };
  };

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const params = body(request, { stream: false }) as MessageCreateParamsNonStreaming;
        const res: unknown = await sdk().messages.create(params, { signal });
        if (!isRecord(res) || !Array.isArray(res.content)) throw malformed(NAME, 'no content in the message');
        const usage = isRecord(res.usage) ? res.usage : {};
        return {
          text: (res.content as { type?: unknown; text?: unknown }[])
            .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
            .join(''),
          finishReason: str(res.stop_reason) ?? null,
          inputTokens: count(usage.input_tokens),
          outputTokens: count(usage.output_tokens),
          model: str(res.model) || modelOf(request, defaultModel),
        };
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const params = body(request, { stream: true }) as MessageCreateParamsStreaming;
        const stream = await sdk().messages.create(params, { signal: linked });
        const end = streamEnd(modelOf(request, defaultModel));
        for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
          if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
          switch (event.type) {
            case 'message_start':
              if (event.message?.model) end.model = event.message.model;
              end.inputTokens = count(event.message?.usage?.input_tokens);
              end.outputTokens = count(event.message?.usage?.output_tokens);
              break;
            case 'content_block_delta':
              if (event.delta?.type === 'text_delta') yield event.delta.text;
              break;
            case 'message_delta': {
              if (event.delta?.stop_reason) end.finishReason = event.delta.stop_reason;
              // message_delta usage is cumulative; input_tokens appears there in newer API versions.
              const usage = event.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
              end.inputTokens = count(usage?.input_tokens) ?? end.inputTokens;
              end.outputTokens = count(usage?.output_tokens) ?? end.outputTokens;
              break;
            }
          }
        }
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ limit: 1 }, { signal });
      }),
  };
});
