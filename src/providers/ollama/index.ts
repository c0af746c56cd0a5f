import { Ollama, type ChatRequest as OllamaChatRequest, type Options as OllamaOptions } from 'ollama';
import type { ChatRequest } from '../types.js';
import { count, defined, defineProvider, isRecord, modelOf, stopList, str } from '../shared.js';
import { guarded, guardedStream, responseRecorder, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { INFO } from './info.js';

const NAME = INFO.name;
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

  // `stream` goes in the same literal (see chatBody in ../openai/format.ts).
  const body = (request: ChatRequest, stream: boolean): OllamaChatRequest => {
    const extra = request.extra ?? {};
    const options: Partial<OllamaOptions> = {
      ...defined({
        num_predict: request.maxTokens,
        temperature: request.temperature,
        top_p: request.topP,
        stop: stopList(request),
      }),
      ...(isRecord(extra.options) ? extra.options : {}),
    };
    return {
      model: modelOf(request, defaultModel),
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...defined({ think: extra.think }),
      options,
      stream,
    } as OllamaChatRequest;
  };

  return {
    chat: (request, { signal }) => {
      const recorder = responseRecorder();
      return timedChat(signal, fail(recorder), async () => {
        const res: unknown = await connect(signal, recorder).chat(body(request, false) as OllamaChatRequest & { stream: false });
        if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
        return {
          text: str(res.message.content) ?? '',
          finishReason: str(res.done_reason) ?? null,
          inputTokens: count(res.prompt_eval_count),
          outputTokens: count(res.eval_count),
          model: str(res.model) || modelOf(request, defaultModel),
        };
      });
    },

    stream: (request, { signal }) => {
      const recorder = responseRecorder();
      return guardedStream(NAME, signal, fail(recorder), async function* (linked) {
        const stream = await connect(linked, recorder).chat(body(request, true) as OllamaChatRequest & { stream: true });
        const end = streamEnd(modelOf(request, defaultModel));
        for await (const part of stream) {
          const p: unknown = part;
          if (!isRecord(p)) throw malformed(NAME, 'stream line is not an object');
          end.model = str(p.model) || end.model;
          yield isRecord(p.message) ? p.message.content : undefined;
          // The last line (done: true) carries the finish reason and the counts.
          if (p.done === true) {
            end.finishReason = str(p.done_reason) ?? null;
            end.inputTokens = count(p.prompt_eval_count);
            end.outputTokens = count(p.eval_count);
          }
        }
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
