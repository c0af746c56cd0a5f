import { InferenceClient, InferenceClientProviderApiError } from '@huggingface/inference';
import { defineProvider, isRecord, lazyClient, modelOf, parseJson, requireKey, str } from '../shared.js';
import { guardedStream, probe, responseRecorder, streamEnd, timedChat, type Fail } from '../calls.js';
import { toUpstreamError, type HttpFailure } from '../upstream-error.js';
// The router's API is OpenAI's chat-completions format.
import { chatAnswer, chatBody, chunkEvents, streamState } from '../openai/format.js';
import { INFO } from './info.js';

const NAME = INFO.name;

type ChatArgs = Parameters<InferenceClient['chatCompletion']>[0];
type StreamArgs = Parameters<InferenceClient['chatCompletionStream']>[0];
type Recorder = ReturnType<typeof responseRecorder>;

/**
 * Per-call SDK options. The SDK's errors carry the status but not the response
 * headers, so the recorder's fetch keeps the last response for Retry-After.
 * retry_on_error: false, or the SDK retries 503s forever.
 */
function callOptions(signal: AbortSignal, recorder: Recorder) {
  return { signal, fetch: recorder.fetch(), retry_on_error: false };
}

export const createHuggingFaceProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch }) => {
  const sdk = lazyClient(NAME, apiKey, (key) => new InferenceClient(key, { endpointUrl: baseUrl }));

  const fail =
    (recorder: Recorder): Fail =>
    (err, signal) => {
      let http: HttpFailure | null = null;
      if (err instanceof InferenceClientProviderApiError && err.httpResponse?.status) {
        http = {
          status: err.httpResponse.status,
          message: err.message.replace(/^Failed to perform inference:\s*/, ''),
          headers: recorder.headers(),
        };
      }
      return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
    };

  return {
    chat: (request, { signal }) => {
      const recorder = responseRecorder(fetch);
      return timedChat(signal, fail(recorder), async () => {
        const res: unknown = await sdk().chatCompletion(chatBody(request, defaultModel) as ChatArgs, callOptions(signal, recorder));
        return chatAnswer(NAME, res, modelOf(request, defaultModel));
      });
    },

    // The SDK only releases its reader when we stop, so aborting (guardedStream does) is what ends the HTTP request.
    stream: (request, { signal }) => {
      const recorder = responseRecorder(fetch);
      return guardedStream(NAME, signal, fail(recorder), async function* (linked) {
        const args = chatBody(request, defaultModel, { stream_options: { include_usage: true } }) as StreamArgs;
        const end = streamEnd(modelOf(request, defaultModel));
        const state = streamState();
        for await (const chunk of sdk().chatCompletionStream(args, callOptions(linked, recorder))) {
          yield* chunkEvents(NAME, chunk, state, end);
        }
        return end;
      });
    },

    // No SDK call lists models; the OpenAI-compatible GET /v1/models is the cheap probe.
    health: ({ signal }) =>
      probe(
        { provider: NAME, signal, apiKey },
        `${baseUrl}/v1/models`,
        () => ({ Authorization: `Bearer ${requireKey(NAME, apiKey)}` }),
        (text) => {
          let message: unknown = text;
          const json = parseJson(text);
          if (isRecord(json)) message = isRecord(json.error) ? json.error.message : (json.error ?? json.message ?? text);
          return { message: str(message) };
        },
        fetch,
      ),
  };
});
