import { CohereClientV2, CohereError, CohereTimeoutError, type Cohere } from 'cohere-ai';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { UpstreamError } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';

const NAME = 'cohere';
const MODELS = ['command', 'command-r', 'command-r-plus'];
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

export const createCohereProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'command';
  let client: CohereClientV2 | undefined;

  const sdk = (): CohereClientV2 => {
    if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
    client ??= new CohereClientV2({
      token: apiKey,
      environment: baseUrl(settings, 'https://api.cohere.com'),
      maxRetries: 0,
      timeoutInSeconds: NO_TIMEOUT_SECONDS,
    });
    return client;
  };

  const fail = (err: unknown, signal: AbortSignal): UpstreamError => {
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
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { p: request.topP } : {}),
    ...(stopList(request) ? { stopSequences: stopList(request) } : {}),
    // Unknown keys pass through the SDK's serializer as they are (snake_case wire names).
    ...request.extra,
  });

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'Cohere',
    models: MODELS,
    defaultModel,
    maxTokens: 4000,
    isConfigured: () => Boolean(apiKey),

    async chat(request, { signal }) {
      const started = performance.now();
      try {
        const res: unknown = await sdk().chat(body(request), { abortSignal: signal });
        // A 200 with a non-JSON body reaches us as an object without `message` (the SDK does not throw).
        if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
        const content = Array.isArray(res.message.content) ? (res.message.content as { type?: unknown; text?: unknown }[]) : [];
        return {
          text: content.map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : '')).join(''),
          finishReason: typeof res.finishReason === 'string' ? res.finishReason : null,
          ...usageCounts(res.usage as Usage | undefined),
          // Cohere does not echo the model.
          model: modelOf(request, defaultModel),
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
        const stream = await sdk().chatStream(body(request), { abortSignal: link.signal });
        let finishReason: string | null = null;
        let usage: { inputTokens: number | null; outputTokens: number | null } = { inputTokens: null, outputTokens: null };
        for await (const event of stream) {
          if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
          if (event.type === 'content-delta') {
            const text = event.delta?.message?.content?.text;
            if (typeof text === 'string' && text.length > 0) yield { type: 'delta', text };
          } else if (event.type === 'message-end') {
            if (event.delta?.error) throw malformed(NAME, `stream ended with an error: ${event.delta.error}`);
            if (typeof event.delta?.finishReason === 'string') finishReason = event.delta.finishReason;
            usage = usageCounts(event.delta?.usage as Usage | undefined);
          }
        }
        if (signal.aborted) throw abortedError(NAME, signal);
        finished = true;
        link.dispose();
        yield { type: 'done', finishReason, ...usage, model: modelOf(request, defaultModel) };
      } catch (err) {
        throw fail(err, signal);
      } finally {
        if (!finished) link.abort();
        link.dispose();
      }
    },

    async health({ signal }) {
      try {
        await sdk().models.list({ pageSize: 1 }, { abortSignal: signal });
      } catch (err) {
        throw fail(err, signal);
      }
    },

    async embed(texts, { signal }) {
      try {
        const res: unknown = await sdk().embed(
          { model: EMBED_MODEL, texts, inputType: 'clustering', embeddingTypes: ['float'] },
          { abortSignal: signal },
        );
        const floats = isRecord(res) && isRecord(res.embeddings) ? res.embeddings.float : undefined;
        if (!Array.isArray(floats)) throw malformed(NAME, 'no float embeddings');
        return floats as number[][];
      } catch (err) {
        throw fail(err, signal);
      }
    },
  };
  return adapter;
};
