import { GoogleGenerativeAI, GoogleGenerativeAIFetchError, type GenerativeModel } from '@google/generative-ai';
import { defineProvider, isRecord, lazyClient, modelOf, parseJson, requireKey, str, translated } from '../shared.js';
import { guarded, guardedStream, probe, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { geminiAnswer, geminiChunk, geminiRequest, NAME, type GeminiStreamState } from './format.js';
import { INFO } from './info.js';

const EMBED_MODEL = 'text-embedding-004';

/** Gemini reports rate-limit back-off in the body (google.rpc.RetryInfo), e.g. retryDelay "7s". */
function retryDelay(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isRecord(d) && String(d['@type'] ?? '').endsWith('RetryInfo') && typeof d.retryDelay === 'string') {
      const seconds = Number.parseFloat(d.retryDelay);
      if (Number.isFinite(seconds)) return seconds;
    }
  }
  return undefined;
}

export const createGeminiProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel, fetch }) => {
  // This SDK has no fetch option: its calls go through the global fetch (only the health probe uses `fetch`).
  const client = lazyClient(NAME, apiKey, (key) => new GoogleGenerativeAI(key));
  // No timeout option: the caller's signal is the only deadline.
  const model = (name: string): GenerativeModel => client().getGenerativeModel({ model: name }, { baseUrl });

  const fail: Fail = (err, signal) => {
    let http: HttpFailure | null = null;
    if (err instanceof GoogleGenerativeAIFetchError && err.status) {
      // "[GoogleGenerativeAI Error]: Error fetching from <url>: [429 Too Many Requests] <message>"
      // (the SDK appends the JSON error details to the message: drop them)
      let upstream = /\[\d{3}[^\]]{0,300}\]\s*(.*)$/s.exec(err.message)?.[1];
      if (upstream && err.errorDetails) upstream = upstream.replace(` ${JSON.stringify(err.errorDetails)}`, '');
      http = { status: err.status, message: upstream || err.statusText, retryAfter: retryDelay(err.errorDetails) };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const params = translated(() => geminiRequest(request));
        const name = modelOf(request, defaultModel);
        const { response } = await model(name).generateContent(params, { signal });
        return geminiAnswer(response, name);
      }),

    // The SDK tees the body into the chunk iterator and an aggregate promise, which keeps
    // reading after we stop: only aborting the fetch (guardedStream does) ends the HTTP request.
    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const params = translated(() => geminiRequest(request));
        const name = modelOf(request, defaultModel);
        const result = await model(name).generateContentStream(params, { signal: linked });
        result.response.catch(() => {}); // the aggregate rejects too on abort/errors; we never use it
        const end = streamEnd(name);
        const state: GeminiStreamState = { calls: 0, rawFinish: undefined, blocked: false };
        for await (const chunk of result.stream) yield* geminiChunk(chunk, state, end);
        return end;
      }),

    // The SDK has no model listing; this is the same GET it would make, by hand.
    health: ({ signal }) =>
      probe(
        { provider: NAME, signal, apiKey },
        `${baseUrl}/v1beta/models?pageSize=1`,
        () => ({ 'x-goog-api-key': requireKey(NAME, apiKey) }),
        (text, res) => {
          const json = parseJson(text);
          const error = isRecord(json) && isRecord(json.error) ? json.error : {};
          return { message: str(error.message) ?? res.statusText, retryAfter: retryDelay(error.details) };
        },
        fetch,
      ),

    embed: (texts, { signal }) =>
      guarded(signal, fail, async () => {
        const res: unknown = await model(EMBED_MODEL).batchEmbedContents(
          { requests: texts.map((text) => ({ content: { role: 'user', parts: [{ text }] } })) },
          { signal },
        );
        if (!isRecord(res) || !Array.isArray(res.embeddings)) throw malformed(NAME, 'no embeddings');
        return (res.embeddings as { values: number[] }[]).map((e) => e.values);
      }),
  };
});
