import {
  GoogleGenerativeAI,
  GoogleGenerativeAIFetchError,
  type GenerateContentRequest,
  type GenerativeModel,
} from '@google/generative-ai';
import type { ChatRequest } from '../types.js';
import { count, defined, defineProvider, isRecord, lazyClient, modelOf, parseJson, requireKey, splitSystem, textOf, stopList, str } from '../shared.js';
import { guarded, guardedStream, probe, streamEnd, timedChat, type Fail } from '../calls.js';
import { malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';
import { INFO } from './info.js';

const NAME = INFO.name;
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

interface Candidate {
  content?: { parts?: { text?: unknown }[] };
  finishReason?: unknown;
}

function firstCandidate(res: Record<string, unknown>): Candidate | undefined {
  return (res.candidates as Candidate[] | undefined)?.[0];
}

function candidateText(c: Candidate | undefined): string {
  return (c?.content?.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
}

export const createGeminiProvider = defineProvider(INFO, ({ apiKey, baseUrl, defaultModel }) => {
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

  const body = (request: ChatRequest): GenerateContentRequest => {
    const { system, rest } = splitSystem(request.messages);
    // Every allowed extra is a generationConfig field but safetySettings, which sits beside it.
    const { safetySettings, ...generation } = request.extra ?? {};
    const generationConfig = {
      ...defined({
        maxOutputTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP,
        stopSequences: stopList(request),
      }),
      ...generation,
    };
    return {
      contents: rest.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: textOf(m.content) }] })),
      ...defined({ systemInstruction: system, safetySettings }),
      generationConfig,
    } as GenerateContentRequest;
  };

  return {
    chat: (request, { signal }) =>
      timedChat(signal, fail, async () => {
        const name = modelOf(request, defaultModel);
        const { response } = await model(name).generateContent(body(request), { signal });
        const res: unknown = response;
        if (!isRecord(res) || !(Array.isArray(res.candidates) || isRecord(res.promptFeedback))) {
          throw malformed(NAME, 'no candidates in the response');
        }
        const candidate = firstCandidate(res);
        const usage = isRecord(res.usageMetadata) ? res.usageMetadata : {};
        return {
          text: candidateText(candidate),
          finishReason: str(candidate?.finishReason) ?? null,
          inputTokens: count(usage.promptTokenCount),
          outputTokens: count(usage.candidatesTokenCount),
          model: str(res.modelVersion) || name,
        };
      }),

    // The SDK tees the body into the chunk iterator and an aggregate promise, which keeps
    // reading after we stop: only aborting the fetch (guardedStream does) ends the HTTP request.
    stream: (request, { signal }) =>
      guardedStream(NAME, signal, fail, async function* (linked) {
        const name = modelOf(request, defaultModel);
        const result = await model(name).generateContentStream(body(request), { signal: linked });
        result.response.catch(() => {}); // the aggregate rejects too on abort/errors; we never use it
        const end = streamEnd(name);
        for await (const chunk of result.stream) {
          const res: unknown = chunk;
          if (!isRecord(res)) throw malformed(NAME, 'stream chunk is not an object');
          const candidate = firstCandidate(res);
          yield candidateText(candidate);
          end.finishReason = str(candidate?.finishReason) ?? end.finishReason;
          end.model = str(res.modelVersion) || end.model;
          if (isRecord(res.usageMetadata)) {
            end.inputTokens = count(res.usageMetadata.promptTokenCount) ?? end.inputTokens;
            end.outputTokens = count(res.usageMetadata.candidatesTokenCount) ?? end.outputTokens;
          }
        }
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
