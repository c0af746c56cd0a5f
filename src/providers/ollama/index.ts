import { Ollama, type ChatRequest as OllamaChatRequest, type Options as OllamaOptions } from 'ollama';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';

const NAME = 'ollama';
const MODELS = ['llama2', 'llama3', 'mistral', 'phi3'];
const EMBED_MODEL = 'nomic-embed-text';

export const createOllamaProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'llama2';
  const host = baseUrl(settings, 'http://localhost:11434');

  /**
   * The SDK takes no per-request signal (its non-streaming calls cannot be aborted at
   * all) and its errors carry no headers. A client per call, with a fetch that adds the
   * caller's signal and keeps the response, fixes both; constructing one is cheap.
   */
  const connect = (signal: AbortSignal) => {
    let last: Response | undefined;
    const withSignal: typeof fetch = async (input, init) => {
      const own = init?.signal;
      last = await fetch(input, { ...init, signal: own ? AbortSignal.any([own, signal]) : signal });
      return last;
    };
    return {
      client: new Ollama({ host, fetch: withSignal, ...(apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {}) }),
      headers: () => last?.headers,
    };
  };

  const fail = (err: unknown, signal: AbortSignal, headers?: Headers) => {
    let http: HttpFailure | null = null;
    const e = err as { name?: unknown; status_code?: unknown; error?: unknown } | null;
    if (e && e.name === 'ResponseError' && typeof e.status_code === 'number') {
      http = { status: e.status_code, message: typeof e.error === 'string' ? e.error : undefined, headers };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  const body = (request: ChatRequest): OllamaChatRequest => {
    const extra = request.extra ?? {};
    const options: Partial<OllamaOptions> = {
      ...(request.maxTokens !== undefined ? { num_predict: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(stopList(request) ? { stop: stopList(request) } : {}),
      ...(isRecord(extra.options) ? extra.options : {}),
    };
    return {
      model: modelOf(request, defaultModel),
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...extra,
      options,
    } as OllamaChatRequest;
  };

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'Ollama',
    models: MODELS,
    defaultModel,
    maxTokens: 4096,
    isConfigured: () => true,

    async chat(request, { signal }) {
      const started = performance.now();
      const { client, headers } = connect(signal);
      try {
        const res: unknown = await client.chat({ ...body(request), stream: false });
        if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
        return {
          text: typeof res.message.content === 'string' ? res.message.content : '',
          finishReason: typeof res.done_reason === 'string' ? res.done_reason : null,
          inputTokens: count(res.prompt_eval_count),
          outputTokens: count(res.eval_count),
          model: typeof res.model === 'string' && res.model ? res.model : modelOf(request, defaultModel),
          latencyMs: elapsedMs(started),
        };
      } catch (err) {
        throw fail(err, signal, headers());
      }
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      const link = linkedAbort(signal);
      const { client, headers } = connect(link.signal);
      let finished = false;
      try {
        const stream = await client.chat({ ...body(request), stream: true });
        let model = modelOf(request, defaultModel);
        let done: Record<string, unknown> | undefined;
        for await (const part of stream) {
          const p: unknown = part;
          if (!isRecord(p)) throw malformed(NAME, 'stream line is not an object');
          if (typeof p.model === 'string' && p.model) model = p.model;
          const text = isRecord(p.message) ? p.message.content : undefined;
          if (typeof text === 'string' && text.length > 0) yield { type: 'delta', text };
          if (p.done === true) done = p;
        }
        if (signal.aborted) throw abortedError(NAME, signal);
        finished = true;
        link.dispose();
        yield {
          type: 'done',
          finishReason: typeof done?.done_reason === 'string' ? done.done_reason : null,
          inputTokens: count(done?.prompt_eval_count),
          outputTokens: count(done?.eval_count),
          model,
        };
      } catch (err) {
        throw fail(err, signal, headers());
      } finally {
        if (!finished) link.abort();
        link.dispose();
      }
    },

    async health({ signal }) {
      const { client, headers } = connect(signal);
      try {
        await client.version();
      } catch (err) {
        throw fail(err, signal, headers());
      }
    },

    async embed(texts, { signal }) {
      const { client, headers } = connect(signal);
      try {
        const res: unknown = await client.embed({ model: EMBED_MODEL, input: texts });
        if (!isRecord(res) || !Array.isArray(res.embeddings)) throw malformed(NAME, 'no embeddings');
        return res.embeddings as number[][];
      } catch (err) {
        throw fail(err, signal, headers());
      }
    },
  };
  return adapter;
};
