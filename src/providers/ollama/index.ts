import { Ollama, type ChatRequest as OllamaChatRequest } from 'ollama';
import { defineProvider, isRecord, str, translated, type ProviderInfo } from '../shared.js';
import { guarded, guardedStream, responseRecorder, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { NAME, ollamaAnswer, ollamaLine, ollamaRequest, type OllamaStreamState } from './format.js';

const INFO: ProviderInfo = {
  name: NAME,
  label: 'Ollama',
  baseUrl: 'http://localhost:11434',
  models: ['llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.2-vision', 'mistral', 'phi3', 'qwen2.5', 'llava'],
  defaultModel: 'llama2',
  maxTokens: 131_072,
  // [registry/][namespace/]name[:tag]
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*){0,2}(:[A-Za-z0-9._-]+)?$/,
  // Generation options only: not keep_alive, and no runtime options (GPU, threads, memory mapping).
  extraParams: ['think', ...['top_k', 'min_p', 'typical_p', 'repeat_last_n', 'repeat_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'num_ctx', 'num_keep', 'tfs_z'].map((k) => `options.${k}`)],
  // Not tool_choice_required nor parallel_tool_calls (Ollama has neither switch), image_urls
  // (it takes image bytes only) or user (no field).
  features: ['tools', 'images', 'json_object', 'json_schema', 'seed', 'penalties'],
  keyless: true,
};
const EMBED_MODEL = 'nomic-embed-text';

type Recorder = ReturnType<typeof responseRecorder>;

export const createOllamaProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel }) => {

  /**
   * The SDK takes no per-request signal (its non-streaming calls cannot be aborted at
   * all) and its errors carry no headers. A client per call, with the recorder's fetch
   * that adds the call's signal and keeps the response, fixes both; constructing one is cheap.
   */
  const connect = (signal: AbortSignal, recorder: Recorder) =>
    new Ollama({
      host: baseUrl,
      fetch: recorder.fetch(signal),
      ...(apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {}),
    });

  const fail =
    (recorder: Recorder): Fail =>
    (err, signal) => {
      let http: HttpFailure | null = null;
      const e = err as { name?: unknown; status_code?: unknown; error?: unknown } | null;
      if (e && e.name === 'ResponseError' && typeof e.status_code === 'number') {
        http = { status: e.status_code, message: str(e.error), headers: recorder.headers() };
      }
      return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
    };

  return {
    check: (request) => {
      ollamaRequest(request, defaultModel, false);
    },

    chat: (request, { signal }) => {
      const recorder = responseRecorder();
      return timedChat(signal, fail(recorder), async () => {
        const params = translated(() => ollamaRequest(request, defaultModel, false));
        const res: unknown = await connect(signal, recorder).chat(params as OllamaChatRequest & { stream: false });
        return ollamaAnswer(res, params.model);
      });
    },

    stream: (request, { signal }) => {
      const recorder = responseRecorder();
      return guardedStream(NAME, signal, fail(recorder), async function* (linked) {
        const params = translated(() => ollamaRequest(request, defaultModel, true));
        const stream = await connect(linked, recorder).chat(params as OllamaChatRequest & { stream: true });
        const end = streamEnd(params.model);
        const state: OllamaStreamState = { calls: 0, identity: undefined };
        for await (const part of stream) yield* ollamaLine(part, state, end);
        return end;
      });
    },

    health: ({ signal }) => {
      const recorder = responseRecorder();
      return guarded(signal, fail(recorder), async () => {
        await connect(signal, recorder).version();
      });
    },

    embed: (texts, { signal }) => {
      const recorder = responseRecorder();
      return guarded(signal, fail(recorder), async () => {
        const res: unknown = await connect(signal, recorder).embed({ model: EMBED_MODEL, input: texts });
        if (!isRecord(res) || !Array.isArray(res.embeddings)) throw malformed(NAME, 'no embeddings');
        return res.embeddings as number[][];
      });
    },
  };
});
