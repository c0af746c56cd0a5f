// OpenAI's chat completions, models and embeddings (Hugging Face's router speaks the same
// chat API). Reads and checks the chat format as the API does: text and image_url parts,
// assistant tool_calls and tool messages answering them by tool_call_id, function tools with
// tool_choice and parallel_tool_calls, response_format text / json_object / json_schema,
// max_completion_tokens for the reasoning models; answers with content or tool_calls, a
// JSON value in JSON modes, the usage details (cached and reasoning tokens, see
// MockSettings), in JSON or in SSE chunks with the tool calls in pieces.
import { answer, embedding, id, Invalid, modelList, num, obj, refusingInvalid, seedText, sendError, sendJson, sendStream, sse, SSE, streamsWhenAsked, textOf, type Conversation, type Ctx, type MockProviderSpec, type Prompt } from './core.js';
import { jsonText, piecesOf, tokens, toolCallsFor, type MockToolCall } from './structured.js';

const OPENAI_TYPE: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', null],
};

/** OpenAI's reasoning models: they refuse max_tokens and count reasoning tokens. */
const REASONING = /^(o\d|gpt-5)/;

const IMAGE_URL = /^(https?:\/\/|data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$)/;

function readMessages(body: Record<string, unknown>): Conversation {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new Invalid("[] is too short - 'messages'");
  const messages = body.messages.map(obj);
  const out: Conversation = { texts: [], lastUser: '', images: 0, results: [] };
  const callNames = new Map<string, string>();
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    switch (m.role) {
      case 'tool': {
        const name = callNames.get(String(m.tool_call_id ?? ''));
        if (name === undefined) throw new Invalid(`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`);
        const text = textOf(m.content);
        out.texts.push(text);
        if (messages.slice(i + 1).every((n) => n.role === 'tool')) out.results.push({ name, text });
        return;
      }
      case 'assistant': {
        if (m.content !== null && typeof m.content !== 'string' && !Array.isArray(m.content)) throw new Invalid(`Invalid type for '${at}.content'`);
        out.texts.push(textOf(m.content));
        if (m.tool_calls !== undefined) {
          if (!Array.isArray(m.tool_calls) || m.tool_calls.length === 0) throw new Invalid(`Invalid '${at}.tool_calls': empty array.`);
          m.tool_calls.map(obj).forEach((c, j) => {
            const fn = obj(c.function);
            if (typeof c.id !== 'string' || c.type !== 'function' || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
              throw new Invalid(`Missing required parameter: '${at}.tool_calls[${j}]' needs id, type "function", function.name and function.arguments (a string).`);
            }
            callNames.set(c.id, fn.name);
            out.texts.push(fn.arguments);
          });
        } else if (m.content === null) throw new Invalid(`Invalid value for '${at}.content': expected a string, got null.`);
        return;
      }
      case 'system':
      case 'developer':
        out.texts.push(textOf(m.content));
        return;
      case 'user': {
        let images = 0;
        if (Array.isArray(m.content)) {
          m.content.map(obj).forEach((p, j) => {
            if (p.type === 'image_url') {
              const image = obj(p.image_url);
              if (typeof image.url !== 'string' || !IMAGE_URL.test(image.url)) throw new Invalid(`Invalid '${at}.content[${j}].image_url.url': expected a URL or a base64 data URL of an image.`);
              if (image.detail !== undefined && !['auto', 'low', 'high'].includes(String(image.detail))) throw new Invalid(`Invalid value: '${String(image.detail)}'. Supported values are: 'auto', 'low', and 'high'.`);
              images++;
            } else if (p.type !== 'text' || typeof p.text !== 'string') throw new Invalid(`Invalid value: '${String(p.type)}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'.`);
          });
        } else if (typeof m.content !== 'string') throw new Invalid(`Invalid type for '${at}.content'`);
        const text = textOf(m.content);
        out.texts.push(text);
        out.lastUser = text;
        out.images = images;
        return;
      }
      default:
        throw new Invalid(`Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`);
    }
  });
  return out;
}

interface Tool {
  name: string;
  parameters: unknown;
}

function readTools(body: Record<string, unknown>): { tools: Tool[]; forced: string | undefined; none: boolean; single: boolean } {
  const tools = (Array.isArray(body.tools) ? body.tools.map(obj) : []).map((t, i) => {
    const fn = obj(t.function);
    if (t.type !== 'function' || typeof fn.name !== 'string') throw new Invalid(`Missing required parameter: 'tools[${i}].function' (type "function" with a name).`);
    if (fn.parameters !== undefined && (typeof fn.parameters !== 'object' || fn.parameters === null)) throw new Invalid(`Invalid type for 'tools[${i}].function.parameters': expected an object.`);
    return { name: fn.name, parameters: fn.parameters };
  });
  const choice = body.tool_choice;
  if (choice !== undefined && !tools.length) throw new Invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
  if (body.parallel_tool_calls !== undefined && !tools.length) throw new Invalid("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.");
  let forced: string | undefined;
  if (choice !== undefined && !['auto', 'none', 'required'].includes(choice as string)) {
    const c = obj(choice);
    forced = obj(c.function).name as string | undefined;
    if (c.type !== 'function' || typeof forced !== 'string') throw new Invalid("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a named function.");
    if (!tools.some((t) => t.name === forced)) throw new Invalid(`Invalid value for 'tool_choice': function '${forced}' is not in 'tools'.`);
  }
  return { tools: forced ? tools.filter((t) => t.name === forced) : tools, forced, none: choice === 'none', single: body.parallel_tool_calls === false || forced !== undefined };
}

/** The schema a JSON mode asks for: undefined for plain json_object, null for no JSON mode. */
function readFormat(body: Record<string, unknown>, read: Conversation): Record<string, unknown> | undefined | null {
  if (body.response_format === undefined) return null;
  const f = obj(body.response_format);
  switch (f.type) {
    case 'text':
      return null;
    case 'json_object':
      if (!read.texts.some((t) => /json/i.test(t))) throw new Invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
      return undefined;
    case 'json_schema': {
      const js = obj(f.json_schema);
      if (typeof js.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(js.name)) throw new Invalid("Missing required parameter: 'response_format.json_schema.name'.");
      if (typeof js.schema !== 'object' || js.schema === null) throw new Invalid("Missing required parameter: 'response_format.json_schema.schema'.");
      return js.schema as Record<string, unknown>;
    }
    default:
      throw new Invalid(`Invalid value: '${String(f.type)}'. Supported values are: 'text', 'json_object' and 'json_schema'.`);
  }
}

export function openaiChat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  return refusingInvalid(ctx, () => chat(ctx, body));
}

function chat(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const reasoning = ctx.provider === 'openai' && REASONING.test(model);
  if (reasoning && body.max_tokens !== undefined) {
    throw new Invalid("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
  }
  const read = readMessages(body);
  const { tools, forced, none, single } = readTools(body);
  const schema = readFormat(body, read);
  const seed = seedText(read);
  const prompt: Prompt = { model, texts: read.texts, lastUser: seed, maxTokens: num(body.max_tokens) ?? num(body.max_completion_tokens), stream: body.stream === true };
  const a = answer(ctx.provider, prompt, ctx.settings);

  let calls: (MockToolCall & { id: string })[] = [];
  if (tools.length && !none && !read.results.length) {
    calls = toolCallsFor(tools, single ? 1 : (ctx.settings.toolCalls ?? 1), read.lastUser).map((c) => ({ ...c, id: `call_${id()}` }));
  }
  let text: string | null = a.text;
  let pieces = a.pieces;
  let output = a.outputTokens;
  let finish = a.truncated ? 'length' : 'stop';
  if (calls.length) {
    text = null;
    pieces = [];
    output = calls.reduce((n, c) => n + tokens(JSON.stringify(c.args)), 0);
    // The API says "stop" for a call forced by a named tool_choice.
    finish = forced ? 'stop' : 'tool_calls';
  } else if (schema !== null) {
    text = jsonText(schema, seed);
    pieces = piecesOf(text);
    output = tokens(text);
    finish = 'stop';
  }
  // OpenAI counts reasoning on its reasoning models; behind the Hugging Face router, whatever model it is asked for.
  const reasoningTokens = reasoning || ctx.provider === 'huggingface' ? (ctx.settings.reasoningTokens ?? 0) : 0;
  output += reasoningTokens;
  const usage = {
    prompt_tokens: a.inputTokens,
    completion_tokens: output,
    total_tokens: a.inputTokens + output,
    prompt_tokens_details: { cached_tokens: Math.min(ctx.settings.cachedTokens ?? 0, a.inputTokens), audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const wireCalls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  const created = Math.floor(Date.now() / 1000);
  const cid = `chatcmpl-mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: cid,
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null, ...(calls.length ? { tool_calls: wireCalls } : {}) },
          logprobs: null,
          finish_reason: finish,
        },
      ],
      usage,
    });
  }
  const includeUsage = obj(body.stream_options).include_usage === true;
  const chunk = (delta: unknown, finishReason: string | null) => ({
    id: cid,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events = [sse(chunk({ role: 'assistant', content: calls.length ? null : '', refusal: null }, null))];
  for (const piece of pieces) events.push(sse(chunk({ content: piece }, null)));
  wireCalls.forEach((c, index) => {
    events.push(sse(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, null)));
    for (const piece of piecesOf(c.function.arguments, 6)) events.push(sse(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null)));
  });
  events.push(sse(chunk({}, finish)));
  if (includeUsage) events.push(sse({ id: cid, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices: [], usage }));
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
