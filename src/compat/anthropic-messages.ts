// Anthropic's Messages API under /v1: POST /v1/messages (answers and streams with
// Anthropic's event sequence) and POST /v1/messages/count_tokens. Translation only: content
// blocks become the gateway's messages (tool_result blocks its tool messages, tool_use
// blocks an assistant's tool calls, image blocks image parts); the result becomes a Message.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { COMPLETION_LIMITS, jsonProblem, type ChatMessageInput, type ContentPartInput, type RawCompletionInput } from '../gateway/completion-input.js';
import type { CompletionResult } from '../gateway/gateway.js';
import { countTokens } from '../optimize/tokenizer.js';
import type { FinishReason } from '../providers/types.js';
import { textOf } from '../providers/shared.js';
import { completionFromBody } from '../rest/completion-body.js';
import type { RestRequest, Route } from '../rest/router.js';
import type { Services } from '../services.js';
import { anthropicErrorBody, sendAnthropicError } from './errors.js';
import { answeringModel, compatRoute, complete, modelNames, streamCompletion, prepare, requestIdOf, resultHeaders, routedInput, type SseEvent, type StreamPiece } from './pipeline.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, message: string): never {
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${message}`, { details: { field } });
}

/** The gateway's own request fields, spelled as on REST (its translation reads them). */
const GATEWAY_FIELDS = ['optimize', 'aggressive', 'cache', 'no_cache', 'fallback', 'timeout_ms', 'extra'];
const MESSAGE_FIELDS = ['model', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'metadata', 'stream', 'thinking', 'service_tier'];

function imagePart(block: Json, field: string): ContentPartInput {
  const source = isObject(block.source) ? block.source : bad(`${field}.source`, 'must be an object');
  if (source.type === 'base64') return { type: 'image', url: `data:${String(source.media_type)};base64,${String(source.data)}` };
  if (source.type === 'url') return { type: 'image', url: String(source.url) };
  return bad(`${field}.source.type`, 'must be base64 or url');
}

function blockText(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return bad(field, 'must be a string or a list of text blocks');
  return content.map((b, i) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : bad(`${field}.${i}`, 'only text blocks are supported here'))).join('');
}

/** One Anthropic message as the gateway's messages (a user turn with tool results becomes tool messages, then the rest). */
function messagesFrom(m: unknown, i: number): ChatMessageInput[] {
  const field = `messages.${i}`;
  if (!isObject(m)) return bad(field, 'must be an object');
  if (m.role !== 'user' && m.role !== 'assistant') return bad(`${field}.role`, 'must be user or assistant');
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  if (!Array.isArray(m.content)) return bad(`${field}.content`, 'must be a string or a list of content blocks');
  const out: ChatMessageInput[] = [];
  const parts: ContentPartInput[] = [];
  const calls: { id: string; name: string; arguments: string }[] = [];
  m.content.forEach((b, j) => {
    const at = `${field}.content.${j}`;
    if (!isObject(b)) bad(at, 'must be a content block');
    switch (b.type) {
      case 'text':
        parts.push({ type: 'text', text: typeof b.text === 'string' ? b.text : bad(`${at}.text`, 'must be a string') });
        break;
      case 'image':
        parts.push(imagePart(b, at));
        break;
      case 'tool_use':
        if (m.role !== 'assistant') bad(at, 'tool_use blocks belong to assistant messages');
        {
          // Bounded before it is written out again as the call's arguments (a hostile nesting would overflow JSON.stringify).
          const problem = jsonProblem(b.input ?? {}, COMPLETION_LIMITS.jsonDepth, COMPLETION_LIMITS.jsonNodes);
          if (problem) bad(`${at}.input`, problem);
          calls.push({ id: b.id as string, name: b.name as string, arguments: JSON.stringify(b.input ?? {}) });
        }
        break;
      case 'tool_result': {
        if (m.role !== 'user') bad(at, 'tool_result blocks belong to user messages');
        const text = b.content === undefined ? '' : blockText(b.content, `${at}.content`);
        // The canonical tool message has no error flag: the model is told in words.
        out.push({ role: 'tool', toolCallId: b.tool_use_id as string, content: b.is_error === true ? `Error: ${text}` : text });
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        // The model's own reasoning, sent back by clients; no other provider can take it.
        break;
      default:
        bad(`${at}.type`, `${String(b.type)} blocks are not supported by this gateway`);
    }
  });
  if (m.role === 'assistant') {
    const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    if (text || calls.length) out.push({ role: 'assistant', content: text, ...(calls.length ? { toolCalls: calls } : {}) });
  } else if (parts.length) {
    out.push({ role: 'user', content: parts.some((p) => p.type === 'image') ? parts : parts.map((p) => (p as { text: string }).text).join('') });
  }
  return out;
}

function toolsFrom(tools: unknown) {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return bad('tools', 'must be a list');
  return tools.map((t, i) => {
    if (!isObject(t)) return bad(`tools.${i}`, 'must be an object');
    if (t.type !== undefined && t.type !== 'custom') bad(`tools.${i}.type`, `${String(t.type)}: server tools are not supported by this gateway`);
    return { name: t.name as string, ...(t.description !== undefined ? { description: t.description as string } : {}), ...(t.input_schema !== undefined ? { parameters: t.input_schema as Json } : {}) };
  });
}

function toolChoiceFrom(choice: unknown): Pick<RawCompletionInput, 'toolChoice' | 'parallelToolCalls'> {
  if (choice === undefined) return {};
  if (!isObject(choice)) return bad('tool_choice', 'must be an object');
  const parallel = choice.disable_parallel_tool_use === true ? { parallelToolCalls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { toolChoice: 'auto', ...parallel };
    case 'any':
      return { toolChoice: 'required', ...parallel };
    case 'none':
      return { toolChoice: 'none' };
    case 'tool':
      return { toolChoice: { name: choice.name as string }, ...parallel };
    default:
      return bad('tool_choice.type', 'must be auto, any, tool or none');
  }
}

/** An Anthropic Messages body as the gateway's input. */
export function messagesInput(body: unknown, services: Services, forCounting = false) {
  if (!isObject(body)) return bad('body', 'must be a JSON object');
  for (const key of Object.keys(body)) if (!MESSAGE_FIELDS.includes(key) && !GATEWAY_FIELDS.includes(key)) bad(key, 'is not supported by this gateway');
  const model = modelNames(services).resolve(body.model);
  if (!forCounting && body.max_tokens === undefined) bad('max_tokens', 'is required');
  if (!Array.isArray(body.messages)) bad('messages', 'must be a list');
  const gateway: Json = {};
  for (const k of GATEWAY_FIELDS) if (body[k] !== undefined) gateway[k] = body[k];
  const { input: own } = completionFromBody(undefined, gateway);
  const extra: Json = isObject(own.extra) ? { ...own.extra } : {};
  for (const k of ['top_k', 'thinking', 'service_tier']) if (body[k] !== undefined && body[k] !== null) extra[k] = body[k];
  // metadata.user_id is an abuse-monitoring hint: passed on where the provider takes one, not a reason to refuse.
  const metadata = body.metadata === undefined || body.metadata === null ? {} : isObject(body.metadata) ? body.metadata : bad('metadata', 'must be an object');
  const takesUser = services.router.adapter(model.provider).features.has('user');
  const system = body.system === undefined ? undefined : blockText(body.system, 'system');
  const input: RawCompletionInput = {
    ...own,
    ...(system ? { systemMessage: system } : {}),
    messages: body.messages.flatMap(messagesFrom),
    ...(forCounting ? {} : { maxTokens: body.max_tokens as number }),
    ...(body.temperature !== undefined ? { temperature: body.temperature as number } : {}),
    ...(body.top_p !== undefined ? { topP: body.top_p as number } : {}),
    ...(body.stop_sequences !== undefined ? { stop: body.stop_sequences as string[] } : {}),
    ...(body.tools !== undefined ? { tools: toolsFrom(body.tools) } : {}),
    ...toolChoiceFrom(body.tool_choice),
    ...(takesUser && typeof metadata.user_id === 'string' ? { user: metadata.user_id } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  if (!Object.keys(extra).length) delete input.extra;
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') bad('stream', 'must be a boolean');
  return { input: routedInput(input, model), model, stream };
}

function stopReason(r: FinishReason | null): string {
  switch (r) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

function usageJson(r: CompletionResult) {
  return {
    // Anthropic counts cache reads and writes apart from input_tokens.
    input_tokens: Math.max(0, r.inputTokens - r.cachedInputTokens - r.cacheWriteTokens),
    output_tokens: r.outputTokens,
    cache_creation_input_tokens: r.cacheWriteTokens,
    cache_read_input_tokens: r.cachedInputTokens,
  };
}

function parsedArguments(args: string): unknown {
  try {
    const v: unknown = JSON.parse(args || '{}');
    return isObject(v) ? v : { value: v };
  } catch {
    return {};
  }
}

function messageJson(id: string, model: string, r: CompletionResult) {
  const content: Json[] = [];
  if (r.response || !r.toolCalls.length) content.push({ type: 'text', text: r.response });
  for (const c of r.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: parsedArguments(c.arguments) });
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason(r.finishReason), stop_sequence: null, usage: usageJson(r) };
}

const event = (type: string, data: Json): SseEvent => ({ event: type, data: JSON.stringify({ type, ...data }) });

/** The gateway's stream pieces as Anthropic's events: message_start, ping, content blocks, message_delta, message_stop. */
async function* messageEvents(pieces: AsyncIterable<StreamPiece>, id: string, model: string, done: (r: CompletionResult) => void): AsyncGenerator<SseEvent> {
  yield event('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
  });
  yield event('ping', {});
  let blocks = 0;
  let open: number | null = null;
  let textBlock: number | null = null;
  const callBlocks = new Map<number, number>();
  const close = function* (): Generator<SseEvent> {
    if (open !== null) yield event('content_block_stop', { index: open });
    open = null;
  };
  for await (const p of pieces) {
    if (p.type === 'chunk') {
      if (textBlock === null || open !== textBlock) {
        yield* close();
        textBlock = open = blocks++;
        yield event('content_block_start', { index: textBlock, content_block: { type: 'text', text: '' } });
      }
      yield event('content_block_delta', { index: textBlock, delta: { type: 'text_delta', text: p.text } });
    } else if (p.type === 'tool_call') {
      let index = callBlocks.get(p.index);
      if (index === undefined) {
        yield* close();
        index = open = blocks++;
        callBlocks.set(p.index, index);
        yield event('content_block_start', { index, content_block: { type: 'tool_use', id: p.id ?? `toolu_${randomUUID()}`, name: p.name ?? '', input: {} } });
      }
      if (p.arguments) yield event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p.arguments } });
    } else {
      done(p.result);
      yield* close();
      yield event('message_delta', { delta: { stop_reason: stopReason(p.result.finishReason), stop_sequence: null }, usage: usageJson(p.result) });
      yield event('message_stop', {});
    }
  }
}

async function messages(r: RestRequest) {
  const { input, model, stream } = messagesInput(r.body, r.services);
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  if (!stream) {
    const result = await complete(r, input, 'anthropic-messages');
    return { body: messageJson(id, answeringModel(model, result), result), headers: resultHeaders(result) };
  }
  return streamCompletion(
    r, input, 'anthropic-messages',
    (pieces, done) => messageEvents(pieces, id, model.requested, done),
    (err) => ({ event: 'error', data: JSON.stringify(anthropicErrorBody(err, requestIdOf(r.res))) }),
  );
}

/**
 * Input tokens of a request as the gateway would send it (validated as a real request),
 * counted by the gateway's tokenizer: exact for OpenAI's models, an estimate for others,
 * whose tokenizers are not public.
 */
function countTokensRoute(r: RestRequest) {
  const { input } = messagesInput(r.body, r.services, true);
  const p = prepare(r, input);
  const model = p.request.model;
  let n = 0;
  for (const m of p.request.messages) {
    n += countTokens(textOf(m.content), model);
    for (const c of m.toolCalls ?? []) n += countTokens(c.name + c.arguments, model);
  }
  for (const t of p.request.tools ?? []) n += countTokens(t.name + (t.description ?? '') + JSON.stringify(t.parameters ?? {}), model);
  return { body: { input_tokens: n } };
}

const routes: Route[] = [
  { method: 'POST', path: '/v1/messages', access: 'user', formatError: sendAnthropicError, handler: messages },
  { method: 'POST', path: '/v1/messages/count_tokens', access: 'user', formatError: sendAnthropicError, handler: countTokensRoute },
];

export const anthropicRoutes: Route[] = routes.map((r) => compatRoute(r as Route & { formatError: NonNullable<Route['formatError']> }));
