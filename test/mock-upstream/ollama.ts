// Ollama's chat (NDJSON streams unless told not to), embeddings, tags and version. Speaks its
// messages (base64 images, tool_calls with object arguments, tool results with tool_name),
// tools, format ("json" or a JSON schema) and think; answers JSON (with Content-Length, as
// its Go server does for a whole body) or NDJSON lines, tool calls whole in one line.
import { answer, embedding, fnv, Invalid, NDJSON, num, obj, refusingInvalid, seedText, sendError, sendJson, sendStream, type Ctx, type MockProviderSpec, type Prompt } from './core.js';
import { isBase64, jsonText, piecesOf, thoughtText, tokens, toolCallsFor, type MockToolCall } from './structured.js';

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
  return refusingInvalid(ctx, () => chat(ctx, body));
}

function chat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  const messages = Array.isArray(body.messages) ? body.messages.map(obj) : [];
  const texts: string[] = [];
  let lastUser = '';
  let images = 0;
  messages.forEach((m, i) => {
    if (m.content !== undefined && typeof m.content !== 'string') throw new Invalid(`json: cannot unmarshal ${Array.isArray(m.content) ? 'array' : typeof m.content} into Go struct field Message.messages.content of type string`);
    const text = typeof m.content === 'string' ? m.content : '';
    texts.push(text);
    const list = m.images === undefined ? [] : m.images;
    if (!Array.isArray(list) || !list.every(isBase64)) throw new Invalid(`invalid message format: messages[${i}].images must be base64 strings`);
    for (const c of Array.isArray(m.tool_calls) ? m.tool_calls.map(obj) : []) {
      const args = obj(c.function).arguments;
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Invalid(`json: cannot unmarshal ${typeof args} into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments`);
      texts.push(JSON.stringify(args));
    }
    if (m.role === 'user') {
      lastUser = text;
      images = list.length;
    }
  });
  const tools = (Array.isArray(body.tools) ? body.tools.map(obj) : []).map((t) => ({ name: String(obj(t.function).name), parameters: obj(t.function).parameters }));
  // The tool results that end the conversation, by the tool_name they carry.
  const results: { name: string; text: string }[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) {
    results.unshift({ name: String(messages[i]!.tool_name ?? 'tool'), text: String(messages[i]!.content ?? '') });
  }
  const format = body.format;
  if (format !== undefined && format !== '' && format !== 'json' && (typeof format !== 'object' || format === null)) throw new Invalid(`invalid format: ${JSON.stringify(format)}`);
  const think = body.think === true && ctx.settings.reasoningTokens !== undefined;

  const seed = seedText({ results, images, lastUser });
  const prompt: Prompt = {
    model: typeof body.model === 'string' ? body.model : 'unknown',
    texts,
    lastUser: seed,
    maxTokens: num(obj(body.options).num_predict),
    stream: body.stream !== false, // Ollama streams unless told not to
  };
  const a = answer('ollama', prompt, ctx.settings);
  let calls: MockToolCall[] = [];
  if (tools.length && !results.length) calls = toolCallsFor(tools, ctx.settings.toolCalls ?? 1, lastUser);
  let text = a.text;
  let pieces = a.pieces;
  let output = a.outputTokens;
  let reason = a.truncated ? 'length' : 'stop';
  if (calls.length) {
    text = '';
    pieces = [];
    output = calls.reduce((n, c) => n + tokens(JSON.stringify(c.args)), 0);
    reason = 'stop'; // Ollama says stop after tool calls too
  } else if (format === 'json' || typeof format === 'object') {
    text = jsonText(format === 'json' ? undefined : format, seed);
    pieces = piecesOf(text);
    output = tokens(text);
    reason = 'stop';
  }
  // Ollama counts the thinking in eval_count, with no count of its own.
  if (think) output += ctx.settings.reasoningTokens!;
  const thinking = thoughtText(lastUser);
  const wireCalls = calls.map((c, i) => ({ function: { index: i, name: c.name, arguments: c.args } }));
  const createdAt = new Date().toISOString();
  const final = {
    model: prompt.model,
    created_at: createdAt,
    message: { role: 'assistant', content: prompt.stream ? '' : text, ...(!prompt.stream && think ? { thinking } : {}), ...(!prompt.stream && calls.length ? { tool_calls: wireCalls } : {}) },
    done_reason: reason,
    done: true,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: a.inputTokens,
    prompt_eval_duration: 200_000,
    eval_count: output,
    eval_duration: 700_000,
  };
  if (!prompt.stream) return sendJson(ctx, 200, final);
  const line = (message: Record<string, unknown>) => `${JSON.stringify({ model: prompt.model, created_at: createdAt, message: { role: 'assistant', content: '', ...message }, done: false })}\n`;
  const events: string[] = [];
  if (think) for (const piece of piecesOf(thinking)) events.push(line({ thinking: piece }));
  for (const piece of pieces) events.push(line({ content: piece }));
  if (wireCalls.length) events.push(line({ tool_calls: wireCalls }));
  events.push(`${JSON.stringify(final)}\n`);
  return sendStream(ctx, NDJSON, events);
}

export const ollamaSpec: MockProviderSpec = {
  handle: ollama,
  errorBody: (_status, message) => ({ error: message }),
  isCompletion: (method, route) => method === 'POST' && (route === '/api/chat' || route === '/api/generate'),
  isStreaming: (route, _query, body) => (route === '/api/chat' ? body.stream !== false : body.stream === true),
};
