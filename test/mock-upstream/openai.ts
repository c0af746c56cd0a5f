// OpenAI's chat completions, models and embeddings (Hugging Face's router speaks the same chat API).
import { answer, embedding, id, modelList, num, obj, promptFromMessages, sendError, sendJson, sendStream, sse, SSE, streamsWhenAsked, type Ctx, type MockProviderSpec, type Prompt } from './core.js';

const OPENAI_TYPE: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', null],
};


export function openaiChat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  const prompt: Prompt = {
    ...promptFromMessages(body),
    maxTokens: num(body.max_tokens) ?? num(body.max_completion_tokens),
    stream: body.stream === true,
  };
  const a = answer(ctx.provider, prompt, ctx.settings);
  const finish = a.truncated ? 'length' : 'stop';
  const created = Math.floor(Date.now() / 1000);
  const cid = `chatcmpl-mock${id()}`;
  const usage = { prompt_tokens: a.inputTokens, completion_tokens: a.outputTokens, total_tokens: a.inputTokens + a.outputTokens };
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: cid,
      object: 'chat.completion',
      created,
      model: prompt.model,
      system_fingerprint: null,
      choices: [
        { index: 0, message: { role: 'assistant', content: a.text, refusal: null }, logprobs: null, finish_reason: finish },
      ],
      usage,
    });
  }
  const includeUsage = obj(body.stream_options).include_usage === true;
  const chunk = (delta: unknown, finishReason: string | null) => ({
    id: cid,
    object: 'chat.completion.chunk',
    created,
    model: prompt.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events = [sse(chunk({ role: 'assistant', content: '', refusal: null }, null))];
  for (const piece of a.pieces) events.push(sse(chunk({ content: piece }, null)));
  events.push(sse(chunk({}, finish)));
  if (includeUsage) {
    events.push(sse({ id: cid, object: 'chat.completion.chunk', created, model: prompt.model, system_fingerprint: null, choices: [], usage }));
  }
  events.push('data: [DONE]\n\n');
  return sendStream(ctx, SSE, events);
}

function openai(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'POST' && ctx.route === '/v1/chat/completions') return openaiChat(ctx, body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') return sendJson(ctx, 200, modelList(['gpt-4', 'gpt-4o', 'gpt-4o-mini']));
  if (ctx.method === 'POST' && ctx.route === '/v1/embeddings') {
    const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const base64 = body.encoding_format === 'base64';
    return sendJson(ctx, 200, {
      object: 'list',
      data: input.map((t, index) => {
        const vec = embedding(t);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec,
        };
      }),
      model: typeof body.model === 'string' ? body.model : 'text-embedding-3-small',
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    });
  }
  return sendError(ctx, 404, `Unknown path ${ctx.route}`);
}

export const openaiSpec: MockProviderSpec = {
  handle: openai,
  errorBody(status, message) {
    const [type, code] = OPENAI_TYPE[status] ?? ['server_error', null];
    return { error: { message, type, param: null, code } };
  },
  isCompletion: (method, route) => method === 'POST' && route === '/v1/chat/completions',
  isStreaming: streamsWhenAsked,
};
