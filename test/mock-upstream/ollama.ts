// Ollama's chat (NDJSON streams unless told not to), embeddings, tags and version.
import { answer, embedding, fnv, NDJSON, num, obj, promptFromMessages, sendError, sendJson, sendStream, type Ctx, type MockProviderSpec, type Prompt } from './core.js';

function ollama(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/api/version') return sendJson(ctx, 200, { version: '0.6.4' });
  if (ctx.method === 'GET' && ctx.route === '/api/tags') {
    return sendJson(ctx, 200, {
      models: ['llama2:latest', 'mistral:latest'].map((name) => ({
        name,
        model: name,
        modified_at: '2024-01-01T00:00:00Z',
        size: 3826793677,
        digest: fnv(name).toString(16),
        details: { format: 'gguf', family: 'llama', parameter_size: '7B', quantization_level: 'Q4_0' },
      })),
    });
  }
  if (ctx.method === 'POST' && ctx.route === '/api/embed') {
    const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    return sendJson(ctx, 200, {
      model: typeof body.model === 'string' ? body.model : 'nomic-embed-text',
      embeddings: input.map((t) => embedding(t)),
      total_duration: 1000,
      load_duration: 100,
      prompt_eval_count: input.length,
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/api/chat')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);

  const prompt: Prompt = {
    ...promptFromMessages(body),
    maxTokens: num(obj(body.options).num_predict),
    stream: body.stream !== false, // Ollama streams unless told not to
  };
  const a = answer('ollama', prompt, ctx.settings);
  const createdAt = new Date().toISOString();
  const final = {
    model: prompt.model,
    created_at: createdAt,
    message: { role: 'assistant', content: prompt.stream ? '' : a.text },
    done_reason: a.truncated ? 'length' : 'stop',
    done: true,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: a.inputTokens,
    prompt_eval_duration: 200_000,
    eval_count: a.outputTokens,
    eval_duration: 700_000,
  };
  if (!prompt.stream) return sendJson(ctx, 200, final);
  const events = a.pieces.map(
    (piece) =>
      `${JSON.stringify({ model: prompt.model, created_at: createdAt, message: { role: 'assistant', content: piece }, done: false })}\n`,
  );
  events.push(`${JSON.stringify(final)}\n`);
  return sendStream(ctx, NDJSON, events);
}

export const ollamaSpec: MockProviderSpec = {
  handle: ollama,
  errorBody: (_status, message) => ({ error: message }),
  isCompletion: (method, route) => method === 'POST' && (route === '/api/chat' || route === '/api/generate'),
  isStreaming: (route, _query, body) => (route === '/api/chat' ? body.stream !== false : body.stream === true),
};
