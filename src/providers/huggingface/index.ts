import { InferenceClient, InferenceClientProviderApiError } from '@huggingface/inference';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { UpstreamError } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';

const NAME = 'huggingface';
const MODELS = ['meta-llama/Llama-2-7b-chat-hf', 'mistralai/Mistral-7B-Instruct-v0.2', 'HuggingFaceH4/zephyr-7b-beta'];

type ChatArgs = Parameters<InferenceClient['chatCompletion']>[0];
type StreamArgs = Parameters<InferenceClient['chatCompletionStream']>[0];

/**
 * Per-call SDK options. The SDK's errors carry the status but not the response
 * headers, so a fetch wrapper keeps the last response for Retry-After.
 * retry_on_error: false, or the SDK retries 503s forever.
 */
function callOptions(signal: AbortSignal) {
  let last: Response | undefined;
  const capture: typeof fetch = async (input, init) => {
    last = await fetch(input, init);
    return last;
  };
  return { options: { signal, fetch: capture, retry_on_error: false }, headers: () => last?.headers };
}

export const createHuggingFaceProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'meta-llama/Llama-2-7b-chat-hf';
  // With endpointUrl the SDK posts to {endpointUrl}/v1/chat/completions: the router's OpenAI-compatible API.
  const root = baseUrl(settings, 'https://router.huggingface.co');
  let client: InferenceClient | undefined;

  const sdk = (): InferenceClient => {
    if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
    client ??= new InferenceClient(apiKey, { endpointUrl: root });
    return client;
  };

  const fail = (err: unknown, signal: AbortSignal, headers?: Headers): UpstreamError => {
    let http: HttpFailure | null = null;
    if (err instanceof InferenceClientProviderApiError && err.httpResponse?.status) {
      http = {
        status: err.httpResponse.status,
        message: err.message.replace(/^Failed to perform inference:\s*/, ''),
        headers,
      };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  const body = (request: ChatRequest) => ({
    model: modelOf(request, defaultModel),
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(stopList(request) ? { stop: stopList(request) } : {}),
    ...request.extra,
  });

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'Hugging Face',
    models: MODELS,
    defaultModel,
    maxTokens: 4096,
    isConfigured: () => Boolean(apiKey),

    async chat(request, { signal }) {
      const started = performance.now();
      const call = callOptions(signal);
      try {
        const res: unknown = await sdk().chatCompletion(body(request) as ChatArgs, call.options);
        if (!isRecord(res) || !Array.isArray(res.choices)) throw malformed(NAME, 'no choices in the completion');
        const choice = res.choices[0] as { message?: { content?: unknown }; finish_reason?: unknown } | undefined;
        const usage = isRecord(res.usage) ? res.usage : {};
        return {
          text: typeof choice?.message?.content === 'string' ? choice.message.content : '',
          finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
          inputTokens: count(usage.prompt_tokens),
          outputTokens: count(usage.completion_tokens),
          model: typeof res.model === 'string' && res.model ? res.model : modelOf(request, defaultModel),
          latencyMs: elapsedMs(started),
        };
      } catch (err) {
        throw fail(err, signal, call.headers());
      }
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      // The SDK only releases its reader when we stop, so aborting is what ends the HTTP request.
      const link = linkedAbort(signal);
      const call = callOptions(link.signal);
      let finished = false;
      try {
        const args = { ...body(request), stream_options: { include_usage: true } } as StreamArgs;
        let model = modelOf(request, defaultModel);
        let finishReason: string | null = null;
        let inputTokens: number | null = null;
        let outputTokens: number | null = null;
        for await (const chunk of sdk().chatCompletionStream(args, call.options)) {
          const c: unknown = chunk;
          if (!isRecord(c)) throw malformed(NAME, 'stream chunk is not an object');
          if (typeof c.model === 'string' && c.model) model = c.model;
          const choice = (Array.isArray(c.choices) ? c.choices[0] : undefined) as
            | { delta?: { content?: unknown }; finish_reason?: unknown }
            | undefined;
          if (typeof choice?.finish_reason === 'string') finishReason = choice.finish_reason;
          const text = choice?.delta?.content;
          if (typeof text === 'string' && text.length > 0) yield { type: 'delta', text };
          if (isRecord(c.usage)) {
            inputTokens = count(c.usage.prompt_tokens);
            outputTokens = count(c.usage.completion_tokens);
          }
        }
        if (signal.aborted) throw abortedError(NAME, signal);
        finished = true;
        link.dispose();
        yield { type: 'done', finishReason, inputTokens, outputTokens, model };
      } catch (err) {
        throw fail(err, signal, call.headers());
      } finally {
        if (!finished) link.abort();
        link.dispose();
      }
    },

    async health({ signal }) {
      // No SDK call lists models; the OpenAI-compatible GET /v1/models is the cheap probe.
      try {
        if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
        const res = await fetch(`${root}/v1/models`, { headers: { Authorization: `Bearer ${apiKey}` }, signal });
        const text = await res.text();
        if (!res.ok) {
          let message: unknown = text;
          try {
            const json: unknown = JSON.parse(text);
            if (isRecord(json)) message = isRecord(json.error) ? json.error.message : (json.error ?? json.message ?? text);
          } catch {
            // not JSON: keep the text
          }
          throw toUpstreamError({ provider: NAME, signal, apiKey }, null, {
            status: res.status,
            message: typeof message === 'string' ? message : undefined,
            headers: res.headers,
          });
        }
      } catch (err) {
        throw toUpstreamError({ provider: NAME, signal, apiKey }, err);
      }
    },
  };
  return adapter;
};
