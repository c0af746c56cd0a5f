// OpenAI's Responses API under /v1, stateless: POST /v1/responses with text or message
// input, instructions, function tools (function_call / function_call_output items), JSON
// output formats and streaming (the Responses event sequence). Nothing is stored, so
// previous_response_id, stored responses and conversations answer a clear 400.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { ChatMessageInput, ContentPartInput, RawCompletionInput } from '../gateway/completion-input.js';
import type { CompletionResult } from '../gateway/gateway.js';
import type { ToolCall } from '../providers/types.js';
import { completionFromBody } from '../rest/completion-body.js';
import type { RestRequest, Route } from '../rest/router.js';
import { openaiErrorBody, sendOpenAIError } from './errors.js';
import { answeringModel, compatRoute, complete, modelNames, streamCompletion, resultHeaders, routedInput, type SseEvent, type StreamPiece } from './pipeline.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, message: string): never {
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${message}`, { details: { field } });
}

const GATEWAY_FIELDS = ['optimize', 'aggressive', 'cache', 'no_cache', 'fallback', 'timeout_ms', 'extra'];
const FIELDS = [
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p', 'text',
  'user', 'stream', 'store', 'previous_response_id', 'metadata', 'reasoning', 'include', 'truncation', 'service_tier', 'background', 'conversation',
];

const hex = () => randomUUID().replaceAll('-', '');

function partOf(p: unknown, at: string): ContentPartInput {
  if (!isObject(p)) return bad(at, 'must be a content part');
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: typeof p.text === 'string' ? p.text : bad(`${at}.text`, 'must be a string') };
    case 'refusal':
      return { type: 'text', text: typeof p.refusal === 'string' ? p.refusal : '' };
    case 'input_image':
      if (typeof p.image_url !== 'string') return bad(`${at}.image_url`, 'must be an https or data URL (file_id is not supported: this gateway stores no files)');
      return { type: 'image', url: p.image_url, ...(p.detail === 'low' || p.detail === 'high' || p.detail === 'auto' ? { detail: p.detail } : {}) };
    default:
      return bad(`${at}.type`, `${String(p.type)} is not supported by this gateway`);
  }
}

/** The input items as the gateway's messages: function calls join the assistant turn before them. */
function messagesFrom(input: unknown): ChatMessageInput[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return bad('input', 'must be a string or a list of items');
  const out: ChatMessageInput[] = [];
  input.forEach((item, i) => {
    const at = `input.${i}`;
    if (!isObject(item)) return bad(at, 'must be an item');
    const type = item.type ?? 'message';
    if (type === 'message') {
      const role = item.role === 'developer' ? 'system' : item.role;
      if (role !== 'user' && role !== 'assistant' && role !== 'system') return bad(`${at}.role`, 'must be user, assistant, system or developer');
      const content = typeof item.content === 'string' ? item.content : Array.isArray(item.content) ? item.content.map((p, j) => partOf(p, `${at}.content.${j}`)) : bad(`${at}.content`, 'must be a string or a list of parts');
      const plain = typeof content === 'string' || content.some((p) => p.type === 'image') ? content : content.map((p) => (p as { text: string }).text).join('');
      out.push({ role, content: plain });
    } else if (type === 'function_call') {
      const call: ToolCall = { id: item.call_id as string, name: item.name as string, arguments: item.arguments as string };
      const last = out.at(-1);
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else out.push({ role: 'assistant', content: '', toolCalls: [call] });
    } else if (type === 'function_call_output') {
      const output = typeof item.output === 'string' ? item.output : Array.isArray(item.output) ? item.output.map((p, j) => { const part = partOf(p, `${at}.output.${j}`); return part.type === 'text' ? part.text : bad(`${at}.output.${j}`, 'only text is supported in a function output'); }).join('') : bad(`${at}.output`, 'must be a string');
      out.push({ role: 'tool', toolCallId: item.call_id as string, content: output });
    } else if (type === 'reasoning') {
      // The model's own reasoning, sent back by clients; no other provider can take it.
    } else if (type === 'item_reference') {
      bad(`${at}.type`, 'item references need stored responses, which this stateless gateway does not keep');
    } else {
      bad(`${at}.type`, `${String(type)} items are not supported by this gateway`);
    }
  });
  return out;
}

const TOOL_FIELDS = ['type', 'name', 'description', 'parameters', 'strict'];
const METADATA = { pairs: 16, keyChars: 64, valueChars: 512 } as const;

/** OpenAI's metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. */
function metadataOf(metadata: unknown): void {
  if (metadata == null) return;
  if (!isObject(metadata)) return bad('metadata', 'must be an object');
  const entries = Object.entries(metadata);
  if (entries.length > METADATA.pairs) bad('metadata', `at most ${METADATA.pairs} pairs`);
  for (const [k, v] of entries) {
    if (k.length > METADATA.keyChars) bad('metadata', `keys are at most ${METADATA.keyChars} characters`);
    if (typeof v !== 'string' || v.length > METADATA.valueChars) bad(`metadata.${k}`, `must be a string of at most ${METADATA.valueChars} characters`);
  }
}

function toolsFrom(tools: unknown) {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) return bad('tools', 'must be a list');
  return tools.map((t, i) => {
    if (!isObject(t) || t.type !== 'function') return bad(`tools.${i}.type`, 'only function tools are supported by this gateway');
    // Tools are echoed in the answer: nothing unchecked may ride along.
    for (const k of Object.keys(t)) if (!TOOL_FIELDS.includes(k)) bad(`tools.${i}.${k}`, 'is not a field of a function tool');
    return {
      name: t.name as string,
      ...(t.description != null ? { description: t.description as string } : {}),
      ...(t.parameters != null ? { parameters: t.parameters as Json } : {}),
      ...(t.strict != null ? { strict: t.strict as boolean } : {}),
    };
  });
}

function toolChoiceFrom(c: unknown): RawCompletionInput['toolChoice'] {
  if (c === undefined || c === null) return undefined;
  if (c === 'auto' || c === 'none' || c === 'required') return c;
  if (isObject(c) && c.type === 'function') {
    for (const k of Object.keys(c)) if (k !== 'type' && k !== 'name') bad(`tool_choice.${k}`, 'is not a field of a function tool choice');
    return { name: c.name as string };
  }
  return bad('tool_choice', 'must be auto, none, required or {type: "function", name}');
}

function formatFrom(text: unknown): RawCompletionInput['responseFormat'] {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) return bad('text', 'must be an object');
  for (const k of Object.keys(text)) if (k !== 'format' && k !== 'verbosity') bad(`text.${k}`, 'is not supported by this gateway');
  if (text.verbosity != null && typeof text.verbosity !== 'string') bad('text.verbosity', 'must be a string');
  const f = text.format;
  if (f === undefined || f === null) return undefined;
  if (!isObject(f)) return bad('text.format', 'must be an object');
  if (f.type === 'json_schema') {
    return { type: 'json_schema', name: f.name as string, schema: f.schema as Json, ...(f.description != null ? { description: f.description as string } : {}), ...(f.strict != null ? { strict: f.strict as boolean } : {}) };
  }
  return f as never;
}

export function responsesInput(body: unknown, resolve: (m: unknown) => ReturnType<ReturnType<typeof modelNames>['resolve']>) {
  if (!isObject(body)) return bad('body', 'must be a JSON object');
  for (const key of Object.keys(body)) if (!FIELDS.includes(key) && !GATEWAY_FIELDS.includes(key)) bad(key, 'is not supported by this gateway');
  if (body.previous_response_id != null) bad('previous_response_id', 'this gateway is stateless: send the whole conversation in input');
  if (body.store === true) bad('store', 'this gateway is stateless and stores no responses: send store: false');
  if (body.conversation != null) bad('conversation', 'this gateway is stateless: send the whole conversation in input');
  if (body.background === true) bad('background', 'background responses need stored responses, which this gateway does not keep');
  if (Array.isArray(body.include) && body.include.length) bad('include', 'is not supported by this gateway');
  if (body.truncation != null && body.truncation !== 'disabled') bad('truncation', 'only disabled is supported');
  // What the answer echoes is checked like what is sent (a 200,000-deep metadata overflowed the echo's JSON.stringify).
  if (body.instructions != null && typeof body.instructions !== 'string') bad('instructions', 'must be a string');
  if (body.reasoning != null) {
    if (!isObject(body.reasoning)) bad('reasoning', 'must be an object');
    for (const [k, v] of Object.entries(body.reasoning)) {
      if (k !== 'effort' && k !== 'summary') bad(`reasoning.${k}`, 'is not supported by this gateway');
      if (v != null && typeof v !== 'string') bad(`reasoning.${k}`, 'must be a string');
    }
  }
  metadataOf(body.metadata);
  const gateway: Json = {};
  for (const k of GATEWAY_FIELDS) if (body[k] !== undefined) gateway[k] = body[k];
  const { input: own } = completionFromBody(undefined, gateway);
  const extra: Json = isObject(own.extra) ? { ...own.extra } : {};
  if (body.service_tier != null) extra.service_tier = body.service_tier;
  if (isObject(body.reasoning) && body.reasoning.effort != null) extra.reasoning_effort = body.reasoning.effort;
  const model = resolve(body.model);
  const input: RawCompletionInput = {
    ...own,
    ...(typeof body.instructions === 'string' && body.instructions ? { systemMessage: body.instructions } : {}),
    messages: messagesFrom(body.input),
    ...(body.max_output_tokens != null ? { maxTokens: body.max_output_tokens as number } : {}),
    ...(body.temperature != null ? { temperature: body.temperature as number } : {}),
    ...(body.top_p != null ? { topP: body.top_p as number } : {}),
    ...(body.tools != null ? { tools: toolsFrom(body.tools) } : {}),
    ...(body.tool_choice != null ? { toolChoice: toolChoiceFrom(body.tool_choice) } : {}),
    ...(body.parallel_tool_calls != null ? { parallelToolCalls: body.parallel_tool_calls as boolean } : {}),
    ...(body.text != null && formatFrom(body.text) ? { responseFormat: formatFrom(body.text) } : {}),
    ...(body.user != null ? { user: body.user as string } : {}),
  };
  if (Object.keys(extra).length) input.extra = extra;
  else delete input.extra;
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') bad('stream', 'must be a boolean');
  return { input: routedInput(input, model), model, stream };
}

function usageJson(r: CompletionResult) {
  return {
    input_tokens: r.inputTokens,
    input_tokens_details: { cached_tokens: r.cachedInputTokens },
    output_tokens: r.outputTokens,
    output_tokens_details: { reasoning_tokens: r.reasoningTokens },
    total_tokens: r.inputTokens + r.outputTokens,
  };
}

const messageItem = (id: string, text: string, status: string) => ({
  type: 'message', id, status, role: 'assistant', content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
});
const callItem = (id: string, c: ToolCall, status: string) => ({ type: 'function_call', id, call_id: c.id, name: c.name, arguments: c.arguments, status });

/** The Response object: what the request asked echoed, the output items, usage. */
function responseJson(id: string, body: Json, model: string, createdAt: number, output: unknown[], r: CompletionResult | null) {
  const incomplete = r?.finishReason === 'length';
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: r === null ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: isObject(body.reasoning) ? (body.reasoning.effort ?? null) : null, summary: null },
    store: false,
    temperature: body.temperature ?? 1,
    text: isObject(body.text) ? body.text : { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: r ? usageJson(r) : null,
    user: body.user ?? null,
    metadata: isObject(body.metadata) ? body.metadata : {},
  };
}

function outputOf(r: CompletionResult): unknown[] {
  const output: unknown[] = [];
  if (r.response || !r.toolCalls.length) output.push(messageItem(`msg_${hex()}`, r.response, 'completed'));
  for (const c of r.toolCalls) output.push(callItem(`fc_${hex()}`, c, 'completed'));
  return output;
}

/** The gateway's stream pieces as the Responses event sequence, each with its sequence_number. */
async function* responseEvents(pieces: AsyncIterable<StreamPiece>, id: string, body: Json, model: string, done: (r: CompletionResult) => void): AsyncGenerator<SseEvent> {
  let seq = 0;
  const ev = (type: string, data: Json): SseEvent => ({ event: type, data: JSON.stringify({ type, sequence_number: seq++, ...data }) });
  const createdAt = Math.floor(Date.now() / 1000);
  const output: unknown[] = [];
  yield ev('response.created', { response: responseJson(id, body, model, createdAt, [], null) });
  yield ev('response.in_progress', { response: responseJson(id, body, model, createdAt, [], null) });

  type Open = { kind: 'text'; id: string; index: number; text: string } | { kind: 'call'; id: string; index: number; call: ToolCall };
  let open: Open | null = null;
  const calls = new Map<number, Open & { kind: 'call' }>();
  const close = function* (): Generator<SseEvent> {
    const o = open;
    if (!o) return;
    open = null;
    if (o.kind === 'text') {
      yield ev('response.output_text.done', { item_id: o.id, output_index: o.index, content_index: 0, text: o.text, logprobs: [] });
      yield ev('response.content_part.done', { item_id: o.id, output_index: o.index, content_index: 0, part: { type: 'output_text', text: o.text, annotations: [] } });
      output[o.index] = messageItem(o.id, o.text, 'completed');
    } else {
      yield ev('response.function_call_arguments.done', { item_id: o.id, output_index: o.index, name: o.call.name, arguments: o.call.arguments });
      output[o.index] = callItem(o.id, o.call, 'completed');
    }
    yield ev('response.output_item.done', { output_index: o.index, item: output[o.index] });
  };

  for await (const p of pieces) {
    if (p.type === 'chunk') {
      if (open?.kind !== 'text') {
        yield* close();
        const o: Open = { kind: 'text', id: `msg_${hex()}`, index: output.length, text: '' };
        open = o;
        output.push(messageItem(o.id, '', 'in_progress'));
        yield ev('response.output_item.added', { output_index: o.index, item: output[o.index] });
        yield ev('response.content_part.added', { item_id: o.id, output_index: o.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      }
      const o = open as Open & { kind: 'text' };
      o.text += p.text;
      yield ev('response.output_text.delta', { item_id: o.id, output_index: o.index, content_index: 0, delta: p.text, logprobs: [] });
    } else if (p.type === 'tool_call') {
      let o = calls.get(p.index);
      if (!o) {
        yield* close();
        o = { kind: 'call', id: `fc_${hex()}`, index: output.length, call: { id: p.id ?? `call_${hex()}`, name: p.name ?? '', arguments: '' } };
        calls.set(p.index, o);
        open = o;
        output.push(callItem(o.id, o.call, 'in_progress'));
        yield ev('response.output_item.added', { output_index: o.index, item: output[o.index] });
      }
      if (p.arguments) {
        o.call.arguments += p.arguments;
        yield ev('response.function_call_arguments.delta', { item_id: o.id, output_index: o.index, delta: p.arguments });
      }
    } else {
      yield* close();
      done(p.result);
      const final = responseJson(id, body, model, createdAt, output, p.result);
      yield ev(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
    }
  }
}

async function responses(r: RestRequest) {
  const body = r.body as Json;
  const { input, model, stream } = responsesInput(body, (m) => modelNames(r.services).resolve(m));
  const id = `resp_${hex()}`;
  if (!stream) {
    const result = await complete(r, input, 'openai-responses');
    return { body: responseJson(id, body, answeringModel(model, result), Math.floor(Date.now() / 1000), outputOf(result), result), headers: resultHeaders(result) };
  }
  return streamCompletion(
    r, input, 'openai-responses',
    (pieces, done) => responseEvents(pieces, id, body, model.requested, done),
    (err) => {
      const { error } = openaiErrorBody(err);
      return { event: 'error', data: JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param, error }) };
    },
  );
}

export const responsesRoutes: Route[] = [
  compatRoute({ method: 'POST', path: '/v1/responses', access: 'user', formatError: sendOpenAIError, handler: responses }),
];
