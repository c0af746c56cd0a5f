import { Ollama, type ChatRequest as OllamaChatRequest } from 'ollama';
import { defineProvider, isRecord, str, translated } from '../shared.js';
import { guarded, guardedStream, responseRecorder, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { NAME, ollamaAnswer, ollamaLine, ollamaRequest, type OllamaStreamState } from './format.js';
import { INFO } from './info.js';

const EMBED_MODEL = 'nomic-embed-text';

type Recorder = ReturnType<typeof responseRecorder>;

export const createOllamaProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch }) => {

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
    chat: (request, { signal }) => {
      const recorder = responseRecorder(fetch);
      return timedChat(signal, fail(recorder), async () => {
        const params = translated(() => ollamaRequest(request, defaultModel, false));
        const res: unknown = await connect(signal, recorder).chat(params as OllamaChatRequest & { stream: false });
        return ollamaAnswer(res, params.model);
      });
    },

    stream: (request, { signal }) => {
      const recorder = responseRecorder(fetch);
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
      const recorder = responseRecorder(fetch);
      return guarded(signal, fail(recorder), async () => {
        await connect(signal, recorder).version();
      });
    },

    embed: (texts, { signal }) => {
      const recorder = responseRecorder(fetch);
      return guarded(signal, fail(recorder), async () => {
        const res: unknown = await connect(signal, recorder).embed({ model: EMBED_MODEL, input: texts });
        if (!isRecord(res) || !Array.isArray(res.embeddings)) throw malformed(NAME, 'no embeddings');
        return res.embeddings as number[][];
      });
    },
  };
});
