// Anthropic's messages format both ways: the system prompt as the top-level system; user
// turns with text and image blocks (base64 and url sources); assistant tool_use blocks; tool
// results as tool_result blocks of one user turn; tools with input_schema, tool_choice
// (auto, any, tool, none) and disable_parallel_tool_use; the end user as metadata.user_id.
//
// JSON output is emulated: Anthropic's models (all of them, old ones too) fill a tool's
// input to its schema, so response_format json_schema / json_object becomes one tool whose
// input_schema is the schema, forced by tool_choice; its input is returned as the answer's
// text (streamed as text too) and the call is not reported as a tool call. So JSON output
// does not combine with tools or tool_choice (refused: UNSUPPORTED_FEATURE), and the
// schema's top level must be an object (a tool's input is one).

import type { ChatMessage, ChatRequest, ContentPart, StreamEvent, ToolCall, Usage } from '../types.js';
import { argumentsObject, count, defined, isRecord, modelOf, splitSystem, stopList, str, textOf, unsupported } from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';

export const NAME = 'anthropic';

/** Anthropic requires max_tokens; this is what we send when the caller set none. */
const DEFAULT_MAX_TOKENS = 1024;

/** The forced tool of a json_object request (a json_schema request's tool is named after its format). */
export const JSON_TOOL = 'json_output';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: string | Block[];
}

// ---------------------------------------------------------------------------
// Requests

/**
 * The messages body; `last` (the stream flag) goes after the caller's extras. Throws
 * UNSUPPORTED_FEATURE for what Anthropic cannot take (see the top of this file).
 */
export function anthropicRequest(request: ChatRequest, defaultModel: string, last: Record<string, unknown> = {}) {
  const { system, rest } = splitSystem(request.messages);
  const json = jsonTool(request);
  const tools = request.tools?.length ? request.tools : undefined;
  const { metadata, ...extra } = request.extra ?? {};
  // Anthropic refuses a forced tool call while extended thinking is on.
  const forced = json ? (request.responseFormat!.type as 'json_object' | 'json_schema') : request.toolChoice === 'required' || typeof request.toolChoice === 'object' ? 'tool_choice_required' : undefined;
  if (forced && isRecord(extra.thinking) && extra.thinking.type === 'enabled') {
    throw unsupported(NAME, forced, `${json ? 'JSON output (a forced tool call)' : 'forcing a tool call'} with extended thinking`);
  }
  return {
    model: modelOf(request, defaultModel),
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...defined({ system }),
    messages: turns(rest),
    ...defined({
      temperature: request.temperature,
      top_p: request.topP,
      stop_sequences: stopList(request),
      tools: json
        ? [json]
        : tools?.map((t) => ({
            name: t.name,
            ...defined({ description: t.description }),
            input_schema: t.parameters ?? { type: 'object', properties: {} },
            ...defined({ strict: t.strict }),
          })),
      tool_choice: json ? { type: 'tool', name: json.name } : tools ? toolChoice(request) : undefined,
      metadata: request.user !== undefined ? { ...(isRecord(metadata) ? metadata : {}), user_id: request.user } : metadata,
    }),
    ...extra,
    ...last,
  };
}

function toolChoice(request: ChatRequest): Record<string, unknown> | undefined {
  const choice = request.toolChoice;
  const parallel = request.parallelToolCalls;
  // Parallel calls are Anthropic's default; "none" makes no calls, so the switch has no place there.
  const serial = parallel === undefined || choice === 'none' ? {} : { disable_parallel_tool_use: !parallel };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...serial };
  if (typeof choice === 'object') return { type: 'tool', name: choice.name, ...serial };
  return choice === 'auto' || parallel !== undefined ? { type: 'auto', ...serial } : undefined;
}

/** The forced tool that carries JSON output, or undefined when the request asks for none. */
function jsonTool(request: ChatRequest): Block | undefined {
  const format = request.responseFormat;
  if (!format || format.type === 'text') return undefined;
  const feature = format.type;
  if (request.tools?.length || request.toolChoice !== undefined) {
    throw unsupported(NAME, feature, `JSON output together with tools (its JSON output is a forced tool call)`);
  }
  if (format.type === 'json_object') {
    return { name: JSON_TOOL, description: 'Give the answer as a JSON object: the input of this tool.', input_schema: { type: 'object', additionalProperties: true } };
  }
  if (format.schema.type !== 'object') {
    throw unsupported(NAME, feature, 'a json_schema whose top level is not an object (its JSON output is a tool input, an object)');
  }
  return {
    name: format.name,
    description: format.description ?? 'Give the answer as JSON matching this schema: the input of this tool.',
    input_schema: format.schema,
    ...defined({ strict: format.strict }),
  };
}

/**
 * The conversation as Anthropic's turns: tool messages become tool_result blocks of a user
 * turn, consecutive results (and a user message right after them) in the same turn.
 */
function turns(messages: ChatMessage[]): Turn[] {
  const out: Turn[] = [];
  let results: Block[] | undefined;
  for (const m of messages) {
    if (m.role === 'tool') {
      const block = { type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: textOf(m.content) };
      if (results) results.push(block);
      else {
        results = [block];
        out.push({ role: 'user', content: results });
      }
      continue;
    }
    if (m.role === 'user' && results) {
      results.push(...(typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content.map(userBlock)));
      results = undefined;
      continue;
    }
    results = undefined;
    if (m.role === 'assistant') out.push({ role: 'assistant', content: assistantContent(m) });
    else out.push({ role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map(userBlock) });
  }
  return out;
}

function assistantContent(m: ChatMessage): string | Block[] {
  const text = textOf(m.content);
  if (!m.toolCalls?.length) return text;
  return [
    ...(text ? [{ type: 'text', text }] : []),
    ...m.toolCalls.map((c) => {
      const input = argumentsObject(c.arguments);
      if (!input) throw unsupported(NAME, 'tools', 'tool call arguments that are not a JSON object (its tool_use input is an object)');
      return { type: 'tool_use', id: c.id, name: c.name, input };
    }),
  ];
}

function userBlock(part: ContentPart): Block {
  if (part.type === 'text') return { type: 'text', text: part.text };
  // Anthropic has no detail setting: it sizes images itself.
  const source = part.source.kind === 'url' ? { type: 'url', url: part.source.url } : { type: 'base64', media_type: part.source.mediaType, data: part.source.data };
  return { type: 'image', source };
}

// ---------------------------------------------------------------------------
// Answers

const FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** The canonical finish reason; a forced JSON tool's tool_use is a finished answer (stop). */
export function anthropicFinish(raw: unknown, json: boolean): string | null {
  const s = str(raw);
  if (s === undefined) return null;
  if (json && s === 'tool_use') return 'stop';
  return Object.hasOwn(FINISH, s) ? FINISH[s]! : s;
}

/**
 * Anthropic reports the cache apart: input_tokens is what was neither read from nor written
 * to the cache. Our inputTokens is all of it, with the reads and writes as its parts.
 * thinking_tokens are part of output_tokens.
 */
export function anthropicUsage(usage: unknown): Usage {
  const u = isRecord(usage) ? usage : {};
  const input = count(u.input_tokens);
  const read = count(u.cache_read_input_tokens) ?? 0;
  const write = count(u.cache_creation_input_tokens) ?? 0;
  const details = isRecord(u.output_tokens_details) ? u.output_tokens_details : {};
  return {
    inputTokens: input === null ? null : input + read + write,
    outputTokens: count(u.output_tokens),
    ...defined({
      cachedInputTokens: read > 0 ? read : undefined,
      cacheWriteTokens: write > 0 ? write : undefined,
      reasoningTokens: positive(details.thinking_tokens),
    }),
  };
}

function positive(value: unknown): number | undefined {
  const n = count(value);
  return n !== null && n > 0 ? n : undefined;
}

/** Whether a request's answer comes through the forced JSON tool. */
export function jsonMode(request: ChatRequest): boolean {
  return request.responseFormat !== undefined && request.responseFormat.type !== 'text';
}

export function anthropicAnswer(res: unknown, requestedModel: string, json: boolean): ChatAnswer {
  if (!isRecord(res) || !Array.isArray(res.content)) throw malformed(NAME, 'no content in the message');
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const b of res.content) {
    if (!isRecord(b)) continue;
    // thinking blocks are the model's reasoning, not the answer.
    if (b.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b.type === 'tool_use') {
      const id = str(b.id);
      const name = str(b.name);
      if (!id || !name) throw malformed(NAME, 'a tool_use block without its id or name');
      const args = JSON.stringify(isRecord(b.input) ? b.input : {});
      if (json) text = args;
      else toolCalls.push({ id, name, arguments: args });
    }
  }
  return {
    text,
    ...(toolCalls.length ? { toolCalls } : {}),
    finishReason: anthropicFinish(res.stop_reason, json),
    ...anthropicUsage(res.usage),
    model: str(res.model) || requestedModel,
  };
}

/** The stream's content blocks that are tool calls: Anthropic's block index -> ours, and whether any input came. */
export interface AnthropicStreamState {
  json: boolean;
  calls: Map<number, { index: number; input: boolean }>;
  /** The usage as reported so far (message_start, then message_delta's cumulative counts). */
  usage: Record<string, unknown>;
}

export function anthropicStreamState(json: boolean): AnthropicStreamState {
  return { json, calls: new Map(), usage: {} };
}

/** Takes the counts a usage object reports (null and absent ones leave the earlier count). */
function report(state: AnthropicStreamState, end: StreamEnd, usage: unknown): void {
  if (!isRecord(usage)) return;
  for (const [k, v] of Object.entries(usage)) if (v !== null && v !== undefined) state.usage[k] = v;
  Object.assign(end, anthropicUsage(state.usage));
}

/**
 * One stream event: text deltas, a tool_use block's start as the call's first piece (id,
 * name), its input_json_delta pieces as the arguments (as text for the forced JSON tool);
 * a call whose input came in no piece gets "{}" at its block's end, as the chat answer has.
 * message_start and message_delta (cumulative) report the usage into `end`.
 */
export function anthropicEvent(event: unknown, state: AnthropicStreamState, end: StreamEnd): string | StreamEvent | undefined {
  if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
  const at = typeof event.index === 'number' ? event.index : -1;
  switch (event.type) {
    case 'message_start': {
      const message = isRecord(event.message) ? event.message : {};
      end.model = str(message.model) || end.model;
      report(state, end, message.usage);
      return undefined;
    }
    case 'content_block_start': {
      const block = isRecord(event.content_block) ? event.content_block : {};
      if (block.type === 'text') return str(block.text);
      if (block.type !== 'tool_use') return undefined;
      const id = str(block.id);
      const name = str(block.name);
      if (!id || !name) throw malformed(NAME, 'a tool_use block without its id or name');
      const call = { index: state.calls.size, input: false };
      state.calls.set(at, call);
      return state.json ? undefined : { type: 'tool_call', index: call.index, id, name };
    }
    case 'content_block_delta': {
      const delta = isRecord(event.delta) ? event.delta : {};
      if (delta.type === 'text_delta') return str(delta.text);
      if (delta.type !== 'input_json_delta') return undefined;
      const call = state.calls.get(at);
      if (!call) throw malformed(NAME, 'input_json_delta outside a tool_use block');
      const piece = str(delta.partial_json);
      if (!piece) return undefined;
      call.input = true;
      return state.json ? piece : { type: 'tool_call', index: call.index, arguments: piece };
    }
    case 'content_block_stop': {
      const call = state.calls.get(at);
      if (!call || call.input) return undefined;
      return state.json ? '{}' : { type: 'tool_call', index: call.index, arguments: '{}' };
    }
    case 'message_delta': {
      const delta = isRecord(event.delta) ? event.delta : {};
      if (delta.stop_reason != null) end.finishReason = anthropicFinish(delta.stop_reason, state.json);
      // Cumulative; newer API versions repeat the input and cache counts here.
      report(state, end, event.usage);
      return undefined;
    }
    case 'error': {
      const error = isRecord(event.error) ? event.error : {};
      throw malformed(NAME, `stream ended with an error: ${str(error.message) ?? 'unknown'}`);
    }
    default:
      return undefined;
  }
}
