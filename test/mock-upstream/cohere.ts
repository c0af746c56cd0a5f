// Cohere's v2 chat (JSON and its named SSE events), embeddings and models.
import { answer, embedding, id, named, NAMED_SSE, num, obj, promptFromMessages, sendError, sendJson, sendStream, streamsWhenAsked, type Ctx, type MockProviderSpec, type Prompt } from './core.js';

function cohere(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    return sendJson(ctx, 200, {
      models: ['command', 'command-r', 'command-r-plus'].map((name) => ({
        name,
        endpoints: ['generate', 'chat', 'summarize'],
        finetuned: false,
        context_length: 128000,
        features: ['tools'],
      })),
    });
  }
  if (ctx.method === 'POST' && ctx.route === '/v2/embed') {
    const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
    return sendJson(ctx, 200, {
      id: `mock${id()}`,
      embeddings: { float: texts.map((t) => embedding(t)) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length } },
      response_type: 'embeddings_by_type',
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/v2/chat')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);

  const prompt: Prompt = { ...promptFromMessages(body), maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('cohere', prompt, ctx.settings);
  const finish = a.truncated ? 'MAX_TOKENS' : 'COMPLETE';
  const usage = {
    billed_units: { input_tokens: a.inputTokens, output_tokens: a.outputTokens },
    tokens: { input_tokens: a.inputTokens, output_tokens: a.outputTokens },
  };
  const cid = `mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: cid,
      finish_reason: finish,
      message: { role: 'assistant', content: [{ type: 'text', text: a.text }] },
      usage,
    });
  }
  const events = [
    named('message-start', {
      id: cid,
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
    named('content-start', { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
  ];
  for (const piece of a.pieces) {
    events.push(named('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } }));
  }
  events.push(
    named('content-end', { type: 'content-end', index: 0 }),
    named('message-end', { type: 'message-end', delta: { finish_reason: finish, usage } }),
  );
  return sendStream(ctx, NAMED_SSE('message-start'), events);
}

export const cohereSpec: MockProviderSpec = {
  handle: cohere,
  errorBody: (_status, message) => ({ id: 'mock-error', message }),
  isCompletion: (method, route) => method === 'POST' && route === '/v2/chat',
  isStreaming: streamsWhenAsked,
};
