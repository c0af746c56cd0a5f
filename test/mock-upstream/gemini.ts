// Gemini's generateContent / streamGenerateContent (SSE with CRLF), embeddings and models.
// Speaks its parts (text, inlineData, functionCall, functionResponse), functionDeclarations
// with toolConfig, responseMimeType / responseSchema, thoughts and cached-content usage, and
// answers what it cannot read with Gemini's 400 INVALID_ARGUMENT, as the API does.
import { answer, embedding, GEMINI_SSE, id, Invalid, num, obj, refusingInvalid, seedText, sendError, sendJson, sendStream, textOf, type Ctx, type MockProviderSpec, type Prompt } from './core.js';
import { isBase64, jsonText, piecesOf, thoughtText, tokens, toolCallsFor, type MockToolCall } from './structured.js';

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

/** The fields of Gemini's Schema; anything else is an "Unknown name" 400. */
const SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
]);
const SCHEMA_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);
const PART_FIELDS = new Set(['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'thought', 'thoughtSignature']);

function checkSchema(schema: unknown, at: string): void {
  const s = obj(schema);
  for (const key of Object.keys(s)) if (!SCHEMA_FIELDS.has(key)) throw new Invalid(`Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`);
  if (s.type !== undefined && !(typeof s.type === 'string' && SCHEMA_TYPES.has(s.type.toUpperCase()))) {
    throw new Invalid(`Invalid value at '${at}.type': ${JSON.stringify(s.type)}`);
  }
  if (String(s.type).toUpperCase() === 'OBJECT' && Object.keys(obj(s.properties)).length === 0) {
    throw new Invalid(`* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type`);
  }
  for (const [k, v] of Object.entries(obj(s.properties))) checkSchema(v, `${at}.properties[${k}].value`);
  if (s.items !== undefined) checkSchema(s.items, `${at}.items`);
  if (Array.isArray(s.anyOf)) s.anyOf.forEach((m, i) => checkSchema(m, `${at}.any_of[${i}]`));
}

interface Turn {
  role: string;
  text: string;
  images: number;
  calls: MockToolCall[];
  responses: { name: string; response: unknown }[];
}

function readContents(body: Record<string, unknown>): Turn[] {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  return contents.map((c, i) => {
    const content = obj(c);
    const turn: Turn = { role: typeof content.role === 'string' ? content.role : 'user', text: '', images: 0, calls: [], responses: [] };
    const parts = Array.isArray(content.parts) ? content.parts : [];
    parts.forEach((p, j) => {
      const part = obj(p);
      const at = `contents[${i}].parts[${j}]`;
      for (const key of Object.keys(part)) if (!PART_FIELDS.has(key)) throw new Invalid(`Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`);
      if (typeof part.text === 'string' && part.thought !== true) turn.text += part.text;
      if (part.inlineData !== undefined) {
        const blob = obj(part.inlineData);
        if (typeof blob.mimeType !== 'string' || !isBase64(blob.data)) throw new Invalid(`Invalid value at '${at}.inline_data.data' (TYPE_BYTES), Base64 decoding failed`);
        turn.images++;
      }
      if (part.fileData !== undefined) throw new Invalid(`${at}.file_data: Invalid or unsupported file uri`);
      if (part.functionCall !== undefined) {
        const call = obj(part.functionCall);
        if (typeof call.name !== 'string') throw new Invalid(`${at}.function_call.name: required`);
        turn.calls.push({ name: call.name, args: obj(call.args) });
      }
      if (part.functionResponse !== undefined) {
        const r = obj(part.functionResponse);
        if (typeof r.name !== 'string' || typeof r.response !== 'object' || r.response === null) throw new Invalid(`${at}.function_response: name and response (an object) are required`);
        turn.responses.push({ name: r.name, response: r.response });
      }
    });
    return turn;
  });
}

/** Function responses must answer the calls of the model turn just before them, one for one. */
function checkTurns(turns: Turn[]): void {
  turns.forEach((t, i) => {
    if (t.responses.length === 0) return;
    const prev = turns[i - 1];
    const calls = prev?.role === 'model' ? prev.calls : [];
    const names = (list: { name: string }[]) => list.map((c) => c.name).sort().join(',');
    if (calls.length !== t.responses.length || names(calls) !== names(t.responses)) {
      throw new Invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    }
  });
}

function resultText(response: unknown): string {
  const r = obj(response);
  return typeof r.output === 'string' ? r.output : JSON.stringify(response);
}

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
  return refusingInvalid(ctx, () => generate(ctx, body, model, action === 'streamGenerateContent'));
}

function generate(ctx: Ctx, body: Record<string, unknown>, model: string, stream: boolean): Promise<void> | void {
  const config = obj(body.generationConfig);
  const turns = readContents(body);
  checkTurns(turns);
  const declarations = (Array.isArray(body.tools) ? body.tools : []).flatMap((t) => {
    const list = obj(t).functionDeclarations;
    return Array.isArray(list) ? list.map(obj) : [];
  });
  declarations.forEach((d, i) => {
    if (typeof d.name !== 'string') throw new Invalid(`tools[0].function_declarations[${i}].name: required`);
    if (d.parameters !== undefined) checkSchema(d.parameters, `tools[0].function_declarations[${i}].parameters`);
  });
  const calling = obj(obj(body.toolConfig).functionCallingConfig);
  const mode = calling.mode ?? 'AUTO';
  if (!['AUTO', 'ANY', 'NONE'].includes(String(mode))) throw new Invalid(`Invalid value at 'tool_config.function_calling_config.mode': ${JSON.stringify(mode)}`);
  const allowed = Array.isArray(calling.allowedFunctionNames) ? calling.allowedFunctionNames.map(String) : undefined;
  if (allowed && (mode !== 'ANY' || allowed.some((n) => !declarations.some((d) => d.name === n)))) {
    throw new Invalid('allowed_function_names must name declared functions, with mode ANY');
  }
  const json = config.responseMimeType === 'application/json';
  if (config.responseSchema !== undefined) {
    if (!json) throw new Invalid('response_schema needs response_mime_type application/json');
    checkSchema(config.responseSchema, 'generation_config.response_schema');
  }

  const texts: string[] = [];
  if (body.systemInstruction !== undefined) texts.push(textOf(body.systemInstruction));
  let lastUser = '';
  let images = 0;
  for (const t of turns) {
    texts.push(t.text, ...t.calls.map((c) => JSON.stringify(c.args)), ...t.responses.map((r) => JSON.stringify(r.response)));
    if (t.role === 'user' && (t.text || t.images)) {
      lastUser = t.text;
      images = t.images;
    }
  }
  const last = turns.at(-1);
  const toolResults = last?.responses ?? [];
  // The answer quotes the tool results when there are some, else the user (and says how many images it saw).
  const seed = seedText({ results: toolResults.map((r) => ({ name: r.name, text: resultText(r.response) })), images, lastUser });
  const prompt: Prompt = { model, texts, lastUser: seed, maxTokens: num(config.maxOutputTokens), stream };
  const a = answer('gemini', prompt, ctx.settings);

  let calls: MockToolCall[] = [];
  if (declarations.length && mode !== 'NONE' && !toolResults.length) {
    const offered = declarations.filter((d) => !allowed || allowed.includes(String(d.name))).map((d) => ({ name: String(d.name), parameters: d.parameters }));
    calls = toolCallsFor(offered, ctx.settings.toolCalls ?? 1, lastUser);
  }
  let text = a.text;
  let pieces = a.pieces;
  let output = a.outputTokens;
  let finish = a.truncated ? 'MAX_TOKENS' : 'STOP';
  if (calls.length) {
    text = '';
    pieces = [];
    output = calls.reduce((n, c) => n + tokens(JSON.stringify(c.args)), 0);
    finish = 'STOP';
  } else if (json) {
    text = jsonText(config.responseSchema, seed);
    pieces = piecesOf(text);
    output = tokens(text);
    finish = 'STOP';
  }
  const thoughts = ctx.settings.reasoningTokens;
  const showThoughts = thoughts !== undefined && obj(config.thinkingConfig).includeThoughts === true;
  const cached = ctx.settings.cachedTokens === undefined ? undefined : Math.min(ctx.settings.cachedTokens, a.inputTokens);
  const usage = {
    promptTokenCount: a.inputTokens,
    candidatesTokenCount: output,
    totalTokenCount: a.inputTokens + output + (thoughts ?? 0),
    ...(cached !== undefined ? { cachedContentTokenCount: cached, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cached }] } : {}),
    ...(thoughts !== undefined ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: a.inputTokens }],
  };
  const rid = `mock${id()}`;
  const thoughtPart = { text: thoughtText(lastUser), thought: true };
  const callParts = calls.map((c) => ({ functionCall: { name: c.name, args: c.args } }));
  if (!stream) {
    const parts = [...(showThoughts ? [thoughtPart] : []), ...(text ? [{ text }] : []), ...callParts];
    return sendJson(ctx, 200, {
      candidates: [{ content: { parts, role: 'model' }, finishReason: finish, index: 0 }],
      usageMetadata: usage,
      modelVersion: model,
      responseId: rid,
    });
  }
  // Text in pieces; function calls whole, in the last chunk, as Gemini streams them.
  const chunks: Record<string, unknown>[][] = [];
  if (showThoughts) chunks.push([thoughtPart]);
  for (const piece of pieces) chunks.push([{ text: piece }]);
  if (callParts.length) chunks.push(callParts);
  const events = chunks.map((parts, i) => {
    const lastChunk = i === chunks.length - 1;
    const chunk = {
      candidates: [{ content: { parts, role: 'model' }, index: 0, ...(lastChunk ? { finishReason: finish } : {}) }],
      ...(lastChunk ? { usageMetadata: usage } : {}),
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
