import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { defineProvider, lazyClient, NO_TIMEOUT_MS, translated } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { toUpstreamError } from '../upstream-error.js';
import { anthropicAnswer, anthropicEvent, anthropicRequest, anthropicStreamState, jsonMode, NAME } from './format.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { INFO } from './info.js';

export const createAnthropicProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch = upstreamFetch }) => {
  const sdk = lazyClient(NAME, apiKey, (key) => {
    return new Anthropic({
      apiKey: key,
      // Explicit so that no ANTHROPIC_AUTH_TOKEN from the environment rides along.
      authToken: null,
      baseURL: baseUrl,
      maxRetries: 0,
      // Also disables the SDK's "streaming required" guard for large non-streaming max_tokens.
      timeout: NO_TIMEOUT_MS,
      fetch,
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

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const params = translated(() => anthropicRequest(request, defaultModel, { stream: false })) as unknown as MessageCreateParamsNonStreaming;
        const res: unknown = await sdk().messages.create(params, { signal });
        return anthropicAnswer(res, params.model, jsonMode(request));
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const params = translated(() => anthropicRequest(request, defaultModel, { stream: true })) as unknown as MessageCreateParamsStreaming;
        const stream = await sdk().messages.create(params, { signal: linked });
        const end = streamEnd(params.model);
        const state = anthropicStreamState(jsonMode(request));
        for await (const event of stream) yield anthropicEvent(event, state, end);
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ limit: 1 }, { signal });
      }),
  };
});
