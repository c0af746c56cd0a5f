// Cohere's v2 chat (JSON and its named SSE events), embeddings and models. Speaks v2
// messages (text and image_url parts, assistant tool_calls, tool messages by
// tool_call_id), tools with tool_choice, response_format json_object with json_schema,
// thinking and cached-token usage; and the streamed tool-plan / tool-call events.
import { answer, embedding, id, Invalid, named, NAMED_SSE, num, obj, refusingInvalid, seedText, sendError, sendJson, sendStream, streamsWhenAsked, textOf, type Conversation, type Ctx, type MockProviderSpec, type Prompt } from './core.js';
import { jsonText, piecesOf, thoughtText, tokens, toolCallsFor, type MockToolCall } from './structured.js';

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
  return refusingInvalid(ctx, () => chat(ctx, body));
}

function readMessages(body: Record<string, unknown>): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.map(obj) : [];
  const out: Conversation = { texts: [], lastUser: '', images: 0, results: [] };
  const callNames = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      const callId = String(m.tool_call_id ?? '');
      const name = callNames.get(callId);
      if (name === undefined) throw new Invalid(`invalid request: messages[${i}]: tool_call_id ${callId} does not match a tool call of a previous message`);
      const text = textOf(m.content);
      out.texts.push(text);
      if (i === messages.length - 1 || messages.slice(i + 1).every((n) => n.role === 'tool')) out.results.push({ name, text });
      return;
    }
    const parts = Array.isArray(m.content) ? m.content.map(obj) : [];
    let images = 0;
    for (const p of parts) {
      if (p.type === 'image_url') {
        const url = obj(p.image_url).url;
        if (typeof url !== 'string' || !/^(https?:\/\/|data:image\/[a-z]+;base64,)/.test(url)) throw new Invalid(`invalid request: messages[${i}]: image_url.url must be a URL or a base64 data URL`);
        if (m.role !== 'user') throw new Invalid(`invalid request: messages[${i}]: images are only allowed in user messages`);
        images++;
      } else if (p.type !== 'text' && p.type !== 'document') throw new Invalid(`invalid request: messages[${i}]: unknown content type ${JSON.stringify(p.type)}`);
    }
    const text = typeof m.content === 'string' ? m.content : parts.filter((p) => p.type === 'text').map((p) => String(p.text ?? '')).join('');
    out.texts.push(text);
    for (const c of Array.isArray(m.tool_calls) ? m.tool_calls.map(obj) : []) {
      const fn = obj(c.function);
      if (typeof c.id !== 'string' || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') throw new Invalid(`invalid request: messages[${i}]: tool_calls need id, function.name and function.arguments (a string)`);
      callNames.set(c.id, fn.name);
      out.texts.push(fn.arguments);
    }
    if (m.role === 'user') {
      out.lastUser = text;
      out.images = images;
    }
  });
  return out;
}

function chat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  const read = readMessages(body);
  const tools = (Array.isArray(body.tools) ? body.tools.map(obj) : []).map((t, i) => {
    const fn = obj(t.function);
    if (t.type !== 'function' || typeof fn.name !== 'string' || typeof fn.parameters !== 'object') throw new Invalid(`invalid request: tools[${i}] needs type function, function.name and function.parameters`);
    return { name: fn.name, parameters: fn.parameters };
  });
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== 'REQUIRED' && choice !== 'NONE') throw new Invalid(`invalid request: tool_choice must be REQUIRED or NONE`);
  const format = obj(body.response_format);
  if (body.response_format !== undefined && format.type !== 'json_object' && format.type !== 'text') throw new Invalid('invalid request: response_format.type must be text or json_object');
  const json = format.type === 'json_object';
  const thinking = obj(body.thinking).type === 'enabled' && ctx.settings.reasoningTokens !== undefined;

  const seed = seedText(read);
  const prompt: Prompt = { model: typeof body.model === 'string' ? body.model : 'unknown', texts: read.texts, lastUser: seed, maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('cohere', prompt, ctx.settings);

  let calls: (MockToolCall & { id: string })[] = [];
  if (tools.length && choice !== 'NONE' && !read.results.length) {
    calls = toolCallsFor(tools, ctx.settings.toolCalls ?? 1, read.lastUser).map((c) => ({ ...c, id: `${c.name}_${id()}` }));
  }
  let text = a.text;
  let pieces = a.pieces;
  let output = a.outputTokens;
  let finish = a.truncated ? 'MAX_TOKENS' : 'COMPLETE';
  const plan = calls.length ? `I will use ${calls.map((c) => c.name).join(' and ')} to answer.` : '';
  if (calls.length) {
    text = '';
    pieces = [];
    output = tokens(plan) + calls.reduce((n, c) => n + tokens(JSON.stringify(c.args)), 0);
    finish = 'TOOL_CALL';
  } else if (json) {
    text = jsonText(format.json_schema, seed);
    pieces = piecesOf(text);
    output = tokens(text);
    finish = 'COMPLETE';
  }
  // Cohere counts a reasoning model's thinking in the output and reports no count of its own.
  if (thinking) output += ctx.settings.reasoningTokens!;
  const usage = {
    billed_units: { input_tokens: a.inputTokens, output_tokens: output },
    tokens: { input_tokens: a.inputTokens, output_tokens: output },
    ...(ctx.settings.cachedTokens !== undefined ? { cached_tokens: Math.min(ctx.settings.cachedTokens, a.inputTokens) } : {}),
  };
  const thought = thoughtText(read.lastUser);
  const wireCalls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  const cid = `mock${id()}`;
  if (!prompt.stream) {
    const content = [...(thinking ? [{ type: 'thinking', thinking: thought }] : []), ...(text ? [{ type: 'text', text }] : [])];
    return sendJson(ctx, 200, {
      id: cid,
      finish_reason: finish,
      message: { role: 'assistant', ...(calls.length ? { tool_plan: plan, tool_calls: wireCalls } : { content }) },
      usage,
    });
  }
  const events = [
    named('message-start', {
      id: cid,
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
  ];
  let index = 0;
  if (thinking) {
    events.push(named('content-start', { type: 'content-start', index, delta: { message: { content: { type: 'thinking', thinking: '' } } } }));
    for (const piece of piecesOf(thought)) events.push(named('content-delta', { type: 'content-delta', index, delta: { message: { content: { thinking: piece } } } }));
    events.push(named('content-end', { type: 'content-end', index }));
    index++;
  }
  if (calls.length) {
    for (const piece of piecesOf(plan)) events.push(named('tool-plan-delta', { type: 'tool-plan-delta', delta: { message: { tool_plan: piece } } }));
    wireCalls.forEach((c, i) => {
      events.push(named('tool-call-start', { type: 'tool-call-start', index: i, delta: { message: { tool_calls: { ...c, function: { name: c.function.name, arguments: '' } } } } }));
      for (const piece of piecesOf(c.function.arguments, 6)) {
        events.push(named('tool-call-delta', { type: 'tool-call-delta', index: i, delta: { message: { tool_calls: { function: { arguments: piece } } } } }));
      }
      events.push(named('tool-call-end', { type: 'tool-call-end', index: i }));
    });
  } else {
    events.push(named('content-start', { type: 'content-start', index, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const piece of pieces) events.push(named('content-delta', { type: 'content-delta', index, delta: { message: { content: { text: piece } } } }));
    events.push(named('content-end', { type: 'content-end', index }));
  }
  events.push(named('message-end', { type: 'message-end', delta: { finish_reason: finish, usage } }));
  return sendStream(ctx, NAMED_SSE('message-start'), events);
}

export const cohereSpec: MockProviderSpec = {
  handle: cohere,
  errorBody: (_status, message) => ({ id: 'mock-error', message }),
  isCompletion: (method, route) => method === 'POST' && route === '/v2/chat',
  isStreaming: streamsWhenAsked,
};
