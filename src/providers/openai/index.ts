import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { defineProvider, isRecord, lazyClient, modelOf, NO_TIMEOUT_MS } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError } from '../upstream-error.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { chatAnswer, chatBody, chunkText } from './format.js';
import { INFO } from './info.js';

const NAME = INFO.name;

type RequestOptions = Parameters<OpenAI['buildRequest']>[0];
interface HeaderArgs {
  options: RequestOptions;
  method: string;
  bodyHeaders: unknown;
  retryCount: number;
}
/**
 * The SDK's telemetry headers (the gateway host's OS, architecture, runtime and their
 * versions, the SDK's retry count and timeout), left out: the API does not need them, and
 * every header is work on each request for the SDK's log formatting, the HTTP client and
 * the upstream.
 */
const NO_TELEMETRY = Object.fromEntries(
  ['Lang', 'Package-Version', 'OS', 'Arch', 'Runtime', 'Runtime-Version', 'Retry-Count', 'Timeout'].map((h) => [`X-Stainless-${h}`, null]),
);

/** The SDK's header builder: a method its types mark private, which GatewayOpenAI wraps. */
type BuildHeaders = (args: HeaderArgs) => Promise<Headers>;
type WithBuildHeaders = { buildHeaders: BuildHeaders };

/**
 * The SDK with its per-call costs that the gateway does not need taken off:
 * - No telemetry headers (NO_TELEMETRY, above).
 * - fetchWithAuth (where a built request goes out) sends through upstreamFetch with the
 *   caller's signal. The SDK's own fetchWithTimeout would make a second signal, a
 *   listener on ours and a timer on every call for a timeout the gateway does not use
 *   (it is NO_TIMEOUT_MS: the gateway's attempt deadline aborts through the signal).
 * - Request headers are built once per kind of call (method, body headers, timeout, auth
 *   schemes, retry count): the SDK rebuilds the same set on every call (user agent,
 *   platform, auth, content type) through a validating Headers, about half of its CPU per
 *   call (bench/experiments/sdk-cpu.mts). Nothing downstream changes them: the SDK's log
 *   formatting and upstreamFetch only read them. A call with headers or an idempotency
 *   key of its own is built as the SDK builds it. buildHeaders is private in the SDK's
 *   types, so it is wrapped on the instance; the constructor fails loudly if a new SDK
 *   version renamed it.
 */
export class GatewayOpenAI extends OpenAI {
  constructor(options: ConstructorParameters<typeof OpenAI>[0]) {
    super({ ...options, defaultHeaders: { ...NO_TELEMETRY, ...options?.defaultHeaders } });
    const self = this as unknown as WithBuildHeaders;
    const build = self.buildHeaders;
    if (typeof build !== 'function') throw new Error('openai SDK: buildHeaders not found; GatewayOpenAI needs updating for this SDK version');
    const built = new Map<string, Promise<Headers>>();
    self.buildHeaders = (args) => {
      const { options: call, method, bodyHeaders, retryCount } = args;
      if (call.headers || call.idempotencyKey !== undefined || this.idempotencyHeader) return build.call(this, args);
      const key = JSON.stringify([method, bodyHeaders ?? null, call.timeout ?? null, call.__security ?? null, retryCount]);
      let headers = built.get(key);
      if (!headers) {
        headers = build.call(this, args);
        built.set(key, headers);
        headers.catch(() => built.delete(key)); // a failure is not kept
      }
      return headers;
    };
  }

  protected override fetchWithAuth(url: RequestInfo, init: RequestInit): Promise<Response> {
    return upstreamFetch(url, init);
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
