// Anthropic's messages API (JSON and its named SSE events) and models. Reads and checks the
// messages format as the API does: system at the top level, text and image blocks (base64
// and url sources), assistant tool_use blocks, tool_result blocks that answer the previous
// turn's tool_use ids, tools with input_schema, tool_choice auto / any / tool / none with
// disable_parallel_tool_use, thinking; answers with text, tool_use blocks (forced tools
// too: the adapter's JSON output), thinking, and usage with the cache reads and writes
// reported apart (MockSettings cachedTokens, cacheWriteTokens, reasoningTokens).
import { answer, id, Invalid, named, NAMED_SSE, num, obj, refusingInvalid, seedText, sendError, sendJson, sendStream, streamsWhenAsked, textOf, type Conversation, type Ctx, type MockProviderSpec, type Prompt } from './core.js';
import { isBase64, piecesOf, thoughtText, tokens, toolCallsFor, type MockToolCall } from './structured.js';

const ANTHROPIC_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function readMessages(body: Record<string, unknown>): Conversation {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new Invalid('messages: at least one message is required');
  const messages = body.messages.map(obj);
  const out: Conversation = { texts: [textOf(body.system)], lastUser: '', images: 0, results: [] };
  const names = new Map<string, string>();
  let pending: string[] = [];
  messages.forEach((m, i) => {
    const at = `messages.${i}`;
    if (m.role !== 'user' && m.role !== 'assistant') throw new Invalid(`${at}.role: Input should be 'user' or 'assistant'`);
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content.map(obj) : null;
    if (!blocks) throw new Invalid(`${at}.content: Input should be a valid list`);
    if (m.role === 'user') {
      const answered = new Set<string>();
      const results: Conversation['results'] = [];
      let images = 0;
      let text = '';
      blocks.forEach((b, j) => {
        const where = `${at}.content.${j}`;
        switch (b.type) {
          case 'text':
            if (typeof b.text !== 'string') throw new Invalid(`${where}.text: Field required`);
            text += b.text;
            break;
          case 'image': {
            const src = obj(b.source);
            if (src.type === 'base64') {
              if (!MEDIA_TYPES.has(String(src.media_type))) throw new Invalid(`${where}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
              if (!isBase64(src.data)) throw new Invalid(`${where}.source.base64.data: invalid base64 data`);
            } else if (src.type === 'url') {
              if (typeof src.url !== 'string' || !src.url.startsWith('https://')) throw new Invalid(`${where}.source.url.url: must be an https URL`);
            } else throw new Invalid(`${where}.source: Input tag '${String(src.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`);
            images++;
            break;
          }
          case 'tool_result': {
            const useId = String(b.tool_use_id ?? '');
            if (!pending.includes(useId)) throw new Invalid(`${where}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${useId}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
            answered.add(useId);
            const result = textOf(b.content);
            out.texts.push(result);
            results.push({ name: names.get(useId)!, text: result });
            break;
          }
          default:
            throw new Invalid(`${where}: Input tag '${String(b.type)}' found using 'type' does not match any of the expected tags`);
        }
      });
      const missing = pending.filter((p) => !answered.has(p));
      if (missing.length) throw new Invalid(`${at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
      pending = [];
      out.texts.push(text);
      out.results = results;
      if (text || images) {
        out.lastUser = text;
        out.images = images;
      }
      return;
    }
    if (pending.length) throw new Invalid(`${at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${pending.join(', ')}.`);
    out.results = [];
    blocks.forEach((b, j) => {
      const where = `${at}.content.${j}`;
      if (b.type === 'text') out.texts.push(String(b.text ?? ''));
      else if (b.type === 'tool_use') {
        if (typeof b.id !== 'string' || typeof b.name !== 'string' || typeof b.input !== 'object' || b.input === null || Array.isArray(b.input)) {
          throw new Invalid(`${where}: tool_use needs id, name and input (an object)`);
        }
        names.set(b.id, b.name);
        pending.push(b.id);
        out.texts.push(JSON.stringify(b.input));
      } else throw new Invalid(`${where}: Input tag '${String(b.type)}' found using 'type' does not match any of the expected tags`);
    });
  });
  return out;
}

interface Tool {
  name: string;
  parameters: unknown;
}

function readTools(body: Record<string, unknown>): { tools: Tool[]; forced: boolean; none: boolean; single: boolean } {
  const tools = (Array.isArray(body.tools) ? body.tools.map(obj) : []).map((t, i) => {
    if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) throw new Invalid(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    const schema = obj(t.input_schema);
    if (schema.type !== 'object') throw new Invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
    return { name: t.name, parameters: schema };
  });
  if (body.tool_choice === undefined) return { tools, forced: false, none: false, single: false };
  if (!tools.length) throw new Invalid('tool_choice may only be specified while providing tools.');
  const choice = obj(body.tool_choice);
  const single = choice.disable_parallel_tool_use === true;
  switch (choice.type) {
    case 'auto':
      return { tools, forced: false, none: false, single };
    case 'any':
      return { tools, forced: true, none: false, single };
    case 'none':
      if (choice.disable_parallel_tool_use !== undefined) throw new Invalid('tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted');
      return { tools, forced: false, none: true, single };
    case 'tool': {
      const named = tools.filter((t) => t.name === choice.name);
      if (!named.length) throw new Invalid(`tool_choice.tool.name: Tool '${String(choice.name)}' not found in tools`);
      return { tools: named, forced: true, none: false, single: true };
    }
    default:
      throw new Invalid(`tool_choice: Input tag '${String(choice.type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`);
  }
}

/** The tool input the mock makes: from the schema; an open object (no properties) gets {"answer": ...}. */
function inputFor(tool: Tool, seed: string): MockToolCall {
  const s = obj(tool.parameters);
  if (s.additionalProperties === true && Object.keys(obj(s.properties)).length === 0) return { name: tool.name, args: { answer: Array.from(seed).slice(0, 40).join('') } };
  return toolCallsFor([tool], 1, seed)[0]!;
}

function anthropic(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    const ids = ['claude-3-5-sonnet-20241022', 'claude-3-opus-20240229', 'claude-3-haiku-20240307'];
    return sendJson(ctx, 200, {
      data: ids.map((m) => ({ type: 'model', id: m, display_name: m, created_at: '2024-10-22T00:00:00Z' })),
      has_more: false,
      first_id: ids[0],
      last_id: ids[ids.length - 1],
    });
  }
  if (!(ctx.method === 'POST' && ctx.route === '/v1/messages')) return sendError(ctx, 404, `Unknown path ${ctx.route}`);
  return refusingInvalid(ctx, () => messages(ctx, body));
}

function messages(ctx: Ctx, body: Record<string, unknown>): Promise<void> | void {
  if (num(body.max_tokens) === undefined) throw new Invalid('max_tokens: Field required');
  for (const k of ['seed', 'presence_penalty', 'frequency_penalty', 'user', 'response_format']) if (body[k] !== undefined) throw new Invalid(`${k}: Extra inputs are not permitted`);
  const read = readMessages(body);
  const { tools, forced, none, single } = readTools(body);
  const thinking = obj(body.thinking).type === 'enabled' && ctx.settings.reasoningTokens !== undefined;
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const seed = seedText(read);
  const prompt: Prompt = { model, texts: read.texts.filter(Boolean), lastUser: seed, maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('anthropic', prompt, ctx.settings);

  let calls: (MockToolCall & { id: string })[] = [];
  if (tools.length && !none && !read.results.length) {
    const n = single ? 1 : (ctx.settings.toolCalls ?? 1);
    calls = Array.from({ length: n }, (_, i) => ({ ...inputFor(tools[i % tools.length]!, read.lastUser), id: `toolu_mock${id()}` }));
  }
  // Unforced, Claude says what it is about to do before the calls.
  const preamble = calls.length && !forced ? `I will use ${calls.map((c) => c.name).join(' and ')}.` : '';
  const text = calls.length ? preamble : a.text;
  const pieces = calls.length ? (preamble ? piecesOf(preamble) : []) : a.pieces;
  let output = calls.length ? tokens(preamble) + calls.reduce((n, c) => n + tokens(JSON.stringify(c.args)), 0) : a.outputTokens;
  const stop = calls.length ? 'tool_use' : a.truncated ? 'max_tokens' : 'end_turn';
  const thought = thoughtText(read.lastUser);
  if (thinking) output += ctx.settings.reasoningTokens!;

  const read_ = Math.min(ctx.settings.cachedTokens ?? 0, a.inputTokens);
  const write = Math.min(ctx.settings.cacheWriteTokens ?? 0, a.inputTokens - read_);
  const usage = {
    input_tokens: a.inputTokens - read_ - write,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read_,
    output_tokens: output,
    ...(thinking ? { output_tokens_details: { thinking_tokens: ctx.settings.reasoningTokens! } } : {}),
  };
  const mid = `msg_mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: mid,
      type: 'message',
      role: 'assistant',
      model,
      content: [
        ...(thinking ? [{ type: 'thinking', thinking: thought, signature: 'mock-signature' }] : []),
        ...(text ? [{ type: 'text', text }] : []),
        ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.args })),
      ],
      stop_reason: stop,
      stop_sequence: null,
      usage,
    });
  }
  const events = [
    named('message_start', {
      type: 'message_start',
      message: {
        id: mid,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1, output_tokens_details: undefined },
      },
    }),
  ];
  let index = 0;
  if (thinking) {
    events.push(named('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const piece of piecesOf(thought)) events.push(named('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }));
    events.push(named('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'mock-signature' } }));
    events.push(named('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  if (pieces.length) {
    events.push(named('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    if (index === 0) events.push(named('ping', { type: 'ping' }));
    for (const piece of pieces) events.push(named('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    events.push(named('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  for (const c of calls) {
    events.push(named('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }));
    // The API's first input_json_delta is empty.
    for (const piece of ['', ...piecesOf(JSON.stringify(c.args), 6)]) events.push(named('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }));
    events.push(named('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  events.push(
    named('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage }),
    named('message_stop', { type: 'message_stop' }),
  );
  return sendStream(ctx, NAMED_SSE('message_start'), events);
}

export const anthropicSpec: MockProviderSpec = {
  handle: anthropic,
  errorBody: (status, message) => ({ type: 'error', error: { type: ANTHROPIC_TYPE[status] ?? 'api_error', message } }),
  isCompletion: (method, route) => method === 'POST' && route === '/v1/messages',
  isStreaming: streamsWhenAsked,
};
