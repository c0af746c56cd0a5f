// Anthropic's messages API (JSON and its named SSE events) and models.
import { answer, id, named, NAMED_SSE, num, obj, promptFromMessages, sendError, sendJson, sendStream, streamsWhenAsked, type Ctx, type MockProviderSpec, type Prompt } from './core.js';

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
  if (num(body.max_tokens) === undefined) return sendError(ctx, 400, 'max_tokens: Field required');

  const prompt: Prompt = { ...promptFromMessages(body, body.system), maxTokens: num(body.max_tokens), stream: body.stream === true };
  const a = answer('anthropic', prompt, ctx.settings);
  const stop = a.truncated ? 'max_tokens' : 'end_turn';
  const mid = `msg_mock${id()}`;
  if (!prompt.stream) {
    return sendJson(ctx, 200, {
      id: mid,
      type: 'message',
      role: 'assistant',
      model: prompt.model,
      content: [{ type: 'text', text: a.text }],
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: a.inputTokens, output_tokens: a.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  }
  const events = [
    named('message_start', {
      type: 'message_start',
      message: {
        id: mid,
        type: 'message',
        role: 'assistant',
        model: prompt.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: a.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
    named('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    named('ping', { type: 'ping' }),
  ];
  for (const piece of a.pieces) {
    events.push(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  events.push(
    named('content_block_stop', { type: 'content_block_stop', index: 0 }),
    named('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: a.outputTokens } }),
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
