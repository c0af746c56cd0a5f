import {
  GoogleGenerativeAI,
  GoogleGenerativeAIFetchError,
  type GenerateContentRequest,
  type GenerativeModel,
} from '@google/generative-ai';
import type { ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from '../types.js';
import { UpstreamError } from '../types.js';
import { baseUrl, count, elapsedMs, isRecord, linkedAbort, modelOf, splitSystem, stopList } from '../shared.js';
import { abortedError, malformed, toUpstreamError, type HttpFailure } from '../upstream-error.js';

const NAME = 'gemini';
const MODELS = ['gemini-2.0-flash', 'gemini-1.5-pro', 'gemini-1.5-flash'];
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

function candidateText(c: Candidate | undefined): string {
  return (c?.content?.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
}

export const createGeminiProvider: ProviderFactory = (settings) => {
  const apiKey = settings.apiKey || undefined;
  const defaultModel = settings.defaultModel || 'gemini-2.0-flash';
  const root = baseUrl(settings, 'https://generativelanguage.googleapis.com');
  let client: GoogleGenerativeAI | undefined;

  const model = (name: string): GenerativeModel => {
    if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
    client ??= new GoogleGenerativeAI(apiKey);
    // No timeout option: the caller's signal is the only deadline.
    return client.getGenerativeModel({ model: name }, { baseUrl: root });
  };

  const fail = (err: unknown, signal: AbortSignal): UpstreamError => {
    let http: HttpFailure | null = null;
    if (err instanceof GoogleGenerativeAIFetchError && err.status) {
      // "[GoogleGenerativeAI Error]: Error fetching from <url>: [429 Too Many Requests] <message>"
      // (the SDK appends the JSON error details to the message: drop them)
      let upstream = /\[\d{3}[^\]]*\]\s*(.*)$/s.exec(err.message)?.[1];
      if (upstream && err.errorDetails) upstream = upstream.replace(` ${JSON.stringify(err.errorDetails)}`, '');
      http = { status: err.status, message: upstream || err.statusText, retryAfter: retryDelay(err.errorDetails) };
    }
    return toUpstreamError({ provider: NAME, signal, apiKey }, err, http);
  };

  const body = (request: ChatRequest): GenerateContentRequest => {
    const { system, rest } = splitSystem(request.messages);
    const extra = request.extra ?? {};
    const generationConfig = {
      ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(stopList(request) ? { stopSequences: stopList(request) } : {}),
      ...(isRecord(extra.generationConfig) ? extra.generationConfig : {}),
    };
    return {
      contents: rest.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })),
      ...(system !== undefined ? { systemInstruction: system } : {}),
      ...extra,
      generationConfig,
    } as GenerateContentRequest;
  };

  const adapter: ProviderAdapter = {
    name: NAME,
    label: 'Google Gemini',
    models: MODELS,
    defaultModel,
    maxTokens: 8192,
    isConfigured: () => Boolean(apiKey),

    async chat(request, { signal }) {
      const started = performance.now();
      const name = modelOf(request, defaultModel);
      try {
        const { response } = await model(name).generateContent(body(request), { signal });
        const res: unknown = response;
        if (!isRecord(res) || !(Array.isArray(res.candidates) || isRecord(res.promptFeedback))) {
          throw malformed(NAME, 'no candidates in the response');
        }
        const candidate = (res.candidates as Candidate[] | undefined)?.[0];
        const usage = isRecord(res.usageMetadata) ? res.usageMetadata : {};
        return {
          text: candidateText(candidate),
          finishReason: typeof candidate?.finishReason === 'string' ? candidate.finishReason : null,
          inputTokens: count(usage.promptTokenCount),
          outputTokens: count(usage.candidatesTokenCount),
          model: typeof res.modelVersion === 'string' && res.modelVersion ? res.modelVersion : name,
          latencyMs: elapsedMs(started),
        };
      } catch (err) {
        throw fail(err, signal);
      }
    },

    async *stream(request, { signal }): AsyncGenerator<StreamEvent> {
      // The SDK tees the body into the chunk iterator and an aggregate promise, which keeps
      // reading after we stop: only aborting the fetch ends the HTTP request.
      const link = linkedAbort(signal);
      let finished = false;
      const name = modelOf(request, defaultModel);
      try {
        const result = await model(name).generateContentStream(body(request), { signal: link.signal });
        result.response.catch(() => {}); // the aggregate rejects too on abort/errors; we never use it
        let reported = name;
        let finishReason: string | null = null;
        let inputTokens: number | null = null;
        let outputTokens: number | null = null;
        for await (const chunk of result.stream) {
          const res: unknown = chunk;
          if (!isRecord(res)) throw malformed(NAME, 'stream chunk is not an object');
          const candidate = (res.candidates as Candidate[] | undefined)?.[0];
          const text = candidateText(candidate);
          if (text) yield { type: 'delta', text };
          if (typeof candidate?.finishReason === 'string') finishReason = candidate.finishReason;
          if (typeof res.modelVersion === 'string' && res.modelVersion) reported = res.modelVersion;
          if (isRecord(res.usageMetadata)) {
            if (count(res.usageMetadata.promptTokenCount) !== null) inputTokens = count(res.usageMetadata.promptTokenCount);
            if (count(res.usageMetadata.candidatesTokenCount) !== null) outputTokens = count(res.usageMetadata.candidatesTokenCount);
          }
        }
        if (signal.aborted) throw abortedError(NAME, signal);
        finished = true;
        link.dispose();
        yield { type: 'done', finishReason, inputTokens, outputTokens, model: reported };
      } catch (err) {
        throw fail(err, signal);
      } finally {
        if (!finished) link.abort();
        link.dispose();
      }
    },

    async health({ signal }) {
      // The SDK has no model listing; this is the same GET it would make, by hand.
      try {
        if (!apiKey) throw new UpstreamError('http', `${NAME} is not configured: missing API key`, 401);
        const res = await fetch(`${root}/v1beta/models?pageSize=1`, { headers: { 'x-goog-api-key': apiKey }, signal });
        const json: unknown = await res.json().catch(() => undefined);
        if (!res.ok) {
          const error = isRecord(json) && isRecord(json.error) ? json.error : {};
          throw toUpstreamError({ provider: NAME, signal, apiKey }, null, {
            status: res.status,
            message: typeof error.message === 'string' ? error.message : res.statusText,
            headers: res.headers,
            retryAfter: retryDelay(error.details),
          });
        }
      } catch (err) {
        throw toUpstreamError({ provider: NAME, signal, apiKey }, err);
      }
    },

    async embed(texts, { signal }) {
      try {
        const res: unknown = await model(EMBED_MODEL).batchEmbedContents(
          { requests: texts.map((text) => ({ content: { role: 'user', parts: [{ text }] } })) },
          { signal },
        );
        if (!isRecord(res) || !Array.isArray(res.embeddings)) throw malformed(NAME, 'no embeddings');
        return (res.embeddings as { values: number[] }[]).map((e) => e.values);
      } catch (err) {
        throw fail(err, signal);
      }
    },
  };
  return adapter;
};
