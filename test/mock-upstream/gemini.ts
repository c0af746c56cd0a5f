// Gemini's generateContent / streamGenerateContent (SSE with CRLF), embeddings and models.
import { answer, embedding, GEMINI_SSE, id, num, obj, sendError, sendJson, sendStream, textOf, type Ctx, type MockProviderSpec, type Prompt } from './core.js';

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const GEMINI_ROUTE = /^\/(v1beta|v1)\/models\/([^:]+):([A-Za-z]+)$/;

function gemini(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && /^\/(v1beta|v1)\/models$/.test(ctx.route)) {
    const ids = ['gemini-2.0-flash', 'gemini-1.5-pro', 'text-embedding-004'];
    return sendJson(ctx, 200, {
      models: ids.map((m) => ({
        name: `models/${m}`,
        version: '001',
        displayName: m,
        inputTokenLimit: 1048576,
        outputTokenLimit: 8192,
        supportedGenerationMethods: m.startsWith('text-') ? ['embedContent'] : ['generateContent', 'countTokens'],
      })),
    });
  }
  const m = GEMINI_ROUTE.exec(ctx.route);
  if (!m || ctx.method !== 'POST') return sendError(ctx, 404, `Unknown path ${ctx.route}`);
  const model = decodeURIComponent(m[2]!);
  const action = m[3]!;

  if (action === 'embedContent') {
    return sendJson(ctx, 200, { embedding: { values: embedding(textOf(body.content)) } });
  }
  if (action === 'batchEmbedContents') {
    const requests = Array.isArray(body.requests) ? body.requests : [];
    return sendJson(ctx, 200, { embeddings: requests.map((r) => ({ values: embedding(textOf(obj(r).content)) })) });
  }
  if (action !== 'generateContent' && action !== 'streamGenerateContent') {
    return sendError(ctx, 404, `Unknown action ${action}`);
  }

  const contents = Array.isArray(body.contents) ? body.contents : [];
  const texts: string[] = [];
  if (body.systemInstruction !== undefined) texts.push(textOf(body.systemInstruction));
  let lastUser = '';
  for (const c of contents) {
    const content = obj(c);
    const text = textOf(content.parts);
    texts.push(text);
    if (content.role === undefined || content.role === 'user') lastUser = text;
  }
  const prompt: Prompt = {
    model,
    texts,
    lastUser,
    maxTokens: num(obj(body.generationConfig).maxOutputTokens),
    stream: action === 'streamGenerateContent',
  };
  const a = answer('gemini', prompt, ctx.settings);
  const finish = a.truncated ? 'MAX_TOKENS' : 'STOP';
  const usage = { promptTokenCount: a.inputTokens, candidatesTokenCount: a.outputTokens, totalTokenCount: a.inputTokens + a.outputTokens };
  const rid = `mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      candidates: [{ content: { parts: [{ text: a.text }], role: 'model' }, finishReason: finish, index: 0 }],
      usageMetadata: usage,
      modelVersion: model,
      responseId: rid,
    });
  }
  const events = a.pieces.map((piece, i) => {
    const last = i === a.pieces.length - 1;
    const chunk = {
      candidates: [
        { content: { parts: [{ text: piece }], role: 'model' }, index: 0, ...(last ? { finishReason: finish } : {}) },
      ],
      ...(last ? { usageMetadata: usage } : {}),
      modelVersion: model,
      responseId: rid,
    };
    return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
  });
  return sendStream(ctx, GEMINI_SSE, events);
}

export const geminiSpec: MockProviderSpec = {
  handle: gemini,
  errorBody(status, message, retryAfter) {
    const details: unknown[] = [];
    if (status === 429 && retryAfter && /^\d+(\.\d+)?$/.test(retryAfter)) {
      details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` });
    }
    return { error: { code: status, message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN', ...(details.length ? { details } : {}) } };
  },
  isCompletion: (method, route) => method === 'POST' && /:(generateContent|streamGenerateContent)$/.test(route),
  isStreaming: (route, query) => route.endsWith(':streamGenerateContent') || query.get('alt') === 'sse',
};
