import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { UpstreamError } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, NO_TIMEOUT_MS, splitSystem, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError } from '../upstream-error.js';

const NAME = 'anthropic';
const MODELS = ['claude-3-opus', 'claude-3-sonnet', 'claude-3-haiku', 'claude-3-5-sonnet-20241022'];
/** Anthropic requires max_tokens; this is what we send when the caller set none. */
const DEFAULT_MAX_TOKENS = 1024;

export const createAnthropicProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'claude-3-5-sonnet-20241022';
  let client: Anthropic | undefined;

  const sdk = (): Anthropic => {
    if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
    client ??= new Anthropic({
      apiKey,
      // Explicit so that no ANTHROPIC_AUTH_TOKEN from the environment rides along.
      authToken: null,
      baseURL: baseUrl(settings, 'https://api.anthropic.com'),
      maxRetries: 0,
      // Also disables the SDK's "streaming required" guard for large non-streaming max_tokens.
      timeout: NO_TIMEOUT_MS,
    });
    return client;
  };

  const fail = (err: unknown, signal: AbortSignal): UpstreamError => {
    let http = null;
    if (err instanceof APIError && err.status) {
      // err.error is the whole body: { type: 'error', error: { type, message } }
      const body = err.error as { error?: { message?: unknown }; message?: unknown } | undefined;
      http = { status: err.status, message: body?.error?.message ?? body?.message ?? err.message, headers: err.headers };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  const body = (request: ChatRequest) => {
    const { system, rest } = splitSystem(request.messages);
    return {
      model: modelOf(request, defaultModel),
      max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...(system !== undefined ? { system } : {}),
      messages: rest.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(stopList(request) ? { stop_sequences: stopList(request) } : {}),
      ...request.extra,
    };
  };

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'Anthropic',
    models: MODELS,
    defaultModel,
    maxTokens: 4096,
    isConfigured: () => Boolean(apiKey),

    async chat(request, { signal }) {
      const started = performance.now();
      try {
        const params = { ...body(request), stream: false } as MessageCreateParamsNonStreaming;
        const res: unknown = await sdk().messages.create(params, { signal });
        if (!isRecord(res) || !Array.isArray(res.content)) throw malformed(NAME, 'no content in the message');
        const usage = isRecord(res.usage) ? res.usage : {};
        const text = (res.content as { type?: unknown; text?: unknown }[])
          .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
          .join('');
        return {
          text,
          finishReason: typeof res.stop_reason === 'string' ? res.stop_reason : null,
          inputTokens: count(usage.input_tokens),
          outputTokens: count(usage.output_tokens),
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
        const params = { ...body(request), stream: true } as MessageCreateParamsStreaming;
        const stream = await sdk().messages.create(params, { signal: link.signal });
        let model = modelOf(request, defaultModel);
        let finishReason: string | null = null;
        let inputTokens: number | null = null;
        let outputTokens: number | null = null;
        for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
          if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
          switch (event.type) {
            case 'message_start':
              if (event.message?.model) model = event.message.model;
              inputTokens = count(event.message?.usage?.input_tokens);
              outputTokens = count(event.message?.usage?.output_tokens);
              break;
            case 'content_block_delta':
              if (event.delta?.type === 'text_delta' && event.delta.text) yield { type: 'delta', text: event.delta.text };
              break;
            case 'message_delta': {
              if (event.delta?.stop_reason) finishReason = event.delta.stop_reason;
              // message_delta usage is cumulative; input_tokens appears there in newer API versions.
              const usage = event.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
              if (count(usage?.input_tokens) !== null) inputTokens = count(usage?.input_tokens);
              if (count(usage?.output_tokens) !== null) outputTokens = count(usage?.output_tokens);
              break;
            }
          }
        }
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
        await sdk().models.list({ limit: 1 }, { signal });
      } catch (err) {
        throw fail(err, signal);
      }
    },
  };
  return adapter;
};
