import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { UpstreamError } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, NO_TIMEOUT_MS, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError } from '../upstream-error.js';

const NAME = 'openai';
const MODELS = ['gpt-4', 'gpt-4o', 'gpt-4o-mini', 'gpt-4-turbo', 'gpt-3.5-turbo'];

export const createOpenAIProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'gpt-4';
  let client: OpenAI | undefined;

  const sdk = (): OpenAI => {
    if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
    client ??= new OpenAI({
      apiKey,
      baseURL: baseUrl(settings, 'https://api.openai.com/v1'),
      maxRetries: 0,
      timeout: NO_TIMEOUT_MS,
    });
    return client;
  };

  const fail = (err: unknown, signal: AbortSignal): UpstreamError =>
    toUpstreamError(
      { provider: NAME, signal, apiKey },
      err,
      err instanceof APIError && err.status
        ? { status: err.status, message: (err.error as { message?: unknown } | undefined)?.message ?? err.message, headers: err.headers }
        : null,
    );

  const body = (request: ChatRequest) => ({
    model: modelOf(request, defaultModel),
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })) as ChatCompletionMessageParam[],
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(stopList(request) ? { stop: stopList(request) } : {}),
    ...request.extra,
  });

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'OpenAI',
    models: MODELS,
    defaultModel,
    maxTokens: 4096,
    isConfigured: () => Boolean(apiKey),

    async chat(request, { signal }) {
      const started = performance.now();
      try {
        const params = { ...body(request), stream: false } as ChatCompletionCreateParamsNonStreaming;
        const res: unknown = await sdk().chat.completions.create(params, { signal });
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
        throw fail(err, signal);
      }
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      const link = linkedAbort(signal);
      let finished = false;
      try {
        const params = {
          ...body(request),
          stream: true,
          stream_options: { include_usage: true },
        } as ChatCompletionCreateParamsStreaming;
        const stream = await sdk().chat.completions.create(params, { signal: link.signal });
        let model = modelOf(request, defaultModel);
        let finishReason: string | null = null;
        let inputTokens: number | null = null;
        let outputTokens: number | null = null;
        for await (const chunk of stream) {
          if (!isRecord(chunk)) throw malformed(NAME, 'stream chunk is not an object');
          if (chunk.model) model = chunk.model;
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const text = choice?.delta?.content;
          if (typeof text === 'string' && text.length > 0) yield { type: 'delta', text };
          if (chunk.usage) {
            inputTokens = count(chunk.usage.prompt_tokens);
            outputTokens = count(chunk.usage.completion_tokens);
          }
        }
        // The SDK ends the iteration quietly when the signal fires: that is still an abort.
        if (signal.aborted) throw abortedError(NAME, signal);
        finished = true;
        link.dispose();
        yield { type: 'done', finishReason, inputTokens, outputTokens, model };
      } catch (err) {
        throw fail(err, signal);
      } finally {
        if (!finished) link.abort();
        link.dispose();
      }
    },

    async health({ signal }) {
      try {
        await sdk().models.list({ signal });
      } catch (err) {
        throw fail(err, signal);
      }
    },

    async embed(texts, { signal }) {
      try {
        const res: unknown = await sdk().embeddings.create(
          { model: 'text-embedding-3-small', input: texts, encoding_format: 'float' },
          { signal },
        );
        if (!isRecord(res) || !Array.isArray(res.data)) throw malformed(NAME, 'no embeddings');
        return [...(res.data as { index: number; embedding: number[] }[])]
          .sort((a, b) => a.index - b.index)
          .map((d) => d.embedding);
      } catch (err) {
        throw fail(err, signal);
      }
    },
  };
  return adapter;
};
