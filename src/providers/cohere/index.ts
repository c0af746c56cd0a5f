import { CohereClientV2, CohereError, CohereTimeoutError } from 'cohere-ai';
import { UpstreamError } from '../types.js';
import { defineProvider, isRecord, lazyClient, translated } from '../shared.js';
import { guarded, guardedStream, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { cohereAnswer, cohereEvent, cohereRequest, NAME, type CohereStreamState } from './format.js';
import { upstreamFetch } from '../upstream-fetch.js';
import { INFO } from './info.js';

const EMBED_MODEL = 'embed-english-v3.0';
/** The SDK multiplies this by 1000 for setTimeout, whose ceiling is 2^31-1 ms: about 24 days. */
const NO_TIMEOUT_SECONDS = 2_000_000;

export const createCohereProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch = upstreamFetch }) => {
  const sdk = lazyClient(NAME, apiKey, (token) => {
    return new CohereClientV2({ token, environment: baseUrl, maxRetries: 0, timeoutInSeconds: NO_TIMEOUT_SECONDS, fetch });
  });

  const fail: Fail = (err, signal) => {
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

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const params = translated(() => cohereRequest(request, defaultModel));
        const res: unknown = await sdk().chat(params, { abortSignal: signal });
        return cohereAnswer(res, params.model);
      }),

    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const params = translated(() => cohereRequest(request, defaultModel));
        const stream = await sdk().chatStream(params, { abortSignal: linked });
        const end = streamEnd(params.model);
        const state: CohereStreamState = { indexes: new Map(), last: -1 };
        for await (const event of stream) yield cohereEvent(event, state, end);
        return end;
      }),

    health: ({ signal }) =>
      guarded(signal, fail, async () => {
        await sdk().models.list({ pageSize: 1 }, { abortSignal: signal });
      }),

    embed: (texts, { signal }) =>
      guarded(signal, fail, async () => {
        const res: unknown = await sdk().embed(
          { model: EMBED_MODEL, texts, inputType: 'clustering', embeddingTypes: ['float'] },
          { abortSignal: signal },
        );
        const floats = isRecord(res) && isRecord(res.embeddings) ? res.embeddings.float : undefined;
        if (!Array.isArray(floats)) throw malformed(NAME, 'no float embeddings');
        return floats as number[][];
      }),
  };
});
