import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { defineProvider, isRecord, lazyClient, modelOf, NO_TIMEOUT_MS, type ProviderInfo } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError } from '../upstream-error.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { chatAnswer, chatBody, chunkText } from './format.js';

const NAME = 'openai';
const INFO: ProviderInfo = {
  name: NAME,
  label: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  models: ['gpt-4', 'gpt-4o', 'gpt-4o-mini', 'gpt-4-turbo', 'gpt-3.5-turbo'],
  defaultModel: 'gpt-4',
  maxTokens: 4096,
};

type AuthSchemes = Parameters<OpenAI['authHeaders']>[1];

/**
 * The SDK with two of its per-call costs taken off through its protected hooks:
 * - fetchWithAuth (where a built request goes out) sends through upstreamFetch with the
 *   caller's signal. The SDK's own fetchWithTimeout would make a second signal, a
 *   listener on ours and a timer on every call for a timeout the gateway does not use
 *   (it is NO_TIMEOUT_MS: the gateway's attempt deadline aborts through the signal).
 * - authHeaders are built once per scheme set: the key never changes for a client, and
 *   the SDK only reads what it returns (two Headers objects per call otherwise).
 * Together about a quarter of the SDK's CPU per call (bench/experiments/sdk-cpu.mts).
 */
class GatewayOpenAI extends OpenAI {
  #auth = new Map<string, ReturnType<OpenAI['authHeaders']>>();

  protected override fetchWithAuth(url: RequestInfo, init: RequestInit): Promise<Response> {
    return upstreamFetch(url, init);
  }

  protected override authHeaders(opts: Parameters<OpenAI['authHeaders']>[0], schemes?: AuthSchemes): ReturnType<OpenAI['authHeaders']> {
    const key = schemes ? `${Boolean(schemes.bearerAuth)}:${Boolean(schemes.adminAPIKeyAuth)}` : 'default';
    let headers = this.#auth.get(key);
    if (!headers) {
      headers = super.authHeaders(opts, schemes);
      this.#auth.set(key, headers);
      headers.catch(() => this.#auth.delete(key)); // a failure is not kept
    }
    return headers;
  }
}

export const createOpenAIProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel }) => {
  const sdk = lazyClient(NAME, apiKey, (key) => new GatewayOpenAI({ apiKey: key, baseURL: baseUrl, maxRetries: 0, timeout: NO_TIMEOUT_MS }));

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
        const params = chatBody(request, defaultModel, { stream: false }) as ChatCompletionCreateParamsNonStreaming;
        const res: unknown = await sdk().chat.completions.create(params, { signal });
        return chatAnswer(NAME, res, modelOf(request, defaultModel));
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const params = chatBody(request, defaultModel, { stream: true, stream_options: { include_usage: true } }) as ChatCompletionCreateParamsStreaming;
        const stream = await sdk().chat.completions.create(params, { signal: linked });
        const end = streamEnd(modelOf(request, defaultModel));
        for await (const chunk of stream) yield chunkText(NAME, chunk, end);
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ signal });
      }),

    embed: (texts, { signal }) =>
      guarded(signal, fail, async () => {
        const res: unknown = await sdk().embeddings.create(
          { model: 'text-embedding-3-small', input: texts, encoding_format: 'float' },
          { signal },
        );
        if (!isRecord(res) || !Array.isArray(res.data)) throw malformed(NAME, 'no embeddings');
        return [...(res.data as { index: number; embedding: number[] }[])]
          .sort((a, b) => a.index - b.index)
          .map((d) => d.embedding);
      }),
  };
});
