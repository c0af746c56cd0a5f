// Cohere's v2 chat format both ways, in the SDK's camelCase (its serializer writes the
// snake_case wire names): messages with text and image_url parts, assistant tool_calls and
// tool messages; tools, tool_choice and strict_tools; response_format json_object with an
// optional json_schema; and the answer, its usage and the stream events back.

import type { Cohere } from 'cohere-ai';
import type { ChatMessage, ChatRequest, ContentPart, StreamEvent, ToolCall, Usage } from '../types.js';
import { count, defined, isRecord, modelOf, stopList, str, textOf, unsupported } from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';

export const NAME = 'cohere';

/**
 * Cohere's models that see images (Command A Vision, Aya Vision); the others answer an
 * image with an error, so the request is refused before it is sent.
 */
const VISION_MODEL = /vision/i;

// ---------------------------------------------------------------------------
// Requests

/** The v2 chat request; throws UNSUPPORTED_FEATURE for an image sent to a model without vision. */
export function cohereRequest(request: ChatRequest, defaultModel: string): Cohere.V2ChatRequest {
  const model = modelOf(request, defaultModel);
  const hasImage = request.messages.some((m) => typeof m.content !== 'string' && m.content.some((p) => p.type === 'image'));
  if (hasImage && !VISION_MODEL.test(model)) {
    throw unsupported(NAME, 'images', `image inputs on ${model} (Cohere's vision models take them: command-a-vision, aya-vision)`, { model });
  }
  const choice = request.toolChoice;
  // Cohere forces "a" tool call (REQUIRED), not a named one: naming one offers only that tool.
  const tools = typeof choice === 'object' ? request.tools?.filter((t) => t.name === choice.name) : request.tools;
  const format = request.responseFormat;
  return {
    model,
    messages: request.messages.map(message),
    ...defined({
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      p: request.topP,
      stopSequences: stopList(request),
      seed: request.seed,
      presencePenalty: request.presencePenalty,
      frequencyPenalty: request.frequencyPenalty,
      tools: tools?.length
        ? tools.map((t) => ({ type: 'function' as const, function: { name: t.name, ...defined({ description: t.description }), parameters: t.parameters ?? { type: 'object', properties: {} } } }))
        : undefined,
      // One switch for all tools in Cohere: a strict tool makes them all strict (stricter, never looser).
      strictTools: tools?.some((t) => t.strict) ? true : undefined,
      toolChoice: !tools?.length || choice === undefined || choice === 'auto' ? undefined : choice === 'none' ? ('NONE' as const) : ('REQUIRED' as const),
      responseFormat:
        format?.type === 'json_object'
          ? { type: 'json_object' as const }
          : format?.type === 'json_schema'
            ? { type: 'json_object' as const, jsonSchema: format.schema }
            : undefined,
    }),
    // Unknown keys pass through the SDK's serializer as they are (snake_case wire names).
    ...request.extra,
  } as Cohere.V2ChatRequest;
}

function message(m: ChatMessage): Cohere.ChatMessageV2 {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: textOf(m.content) };
    case 'user':
      return { role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map(userPart) };
    case 'assistant': {
      const text = textOf(m.content);
      const toolCalls = m.toolCalls?.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
      // An assistant turn that only calls tools has no content.
      return { role: 'assistant', ...defined({ content: text || !toolCalls ? text : undefined, toolCalls }) };
    }
    case 'tool':
      return { role: 'tool', toolCallId: m.toolCallId ?? '', content: textOf(m.content) };
  }
}

function userPart(part: ContentPart): Cohere.Content {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const url = part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  return { type: 'image_url', imageUrl: { url, ...defined({ detail: part.detail }) } };
}

// ---------------------------------------------------------------------------
// Answers

const FINISH: Record<string, string> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
  ERROR: 'error',
  TIMEOUT: 'error',
};

function finishReason(raw: unknown): string | null {
  const s = str(raw);
  return s === undefined ? null : Object.hasOwn(FINISH, s) ? FINISH[s]! : s;
}

/**
 * Billed units are what Cohere charges for; `tokens` (which adds its prompt template) is
 * the fallback. cached_tokens are prompt tokens read from its cache, part of the input.
 * Cohere reports no reasoning count: a reasoning model's thinking is inside the output.
 */
export function cohereUsage(usage: unknown): Usage {
  const u = isRecord(usage) ? usage : {};
  const billed = isRecord(u.billedUnits) ? u.billedUnits : {};
  const tokens = isRecord(u.tokens) ? u.tokens : {};
  return {
    inputTokens: count(billed.inputTokens) ?? count(tokens.inputTokens),
    outputTokens: count(billed.outputTokens) ?? count(tokens.outputTokens),
    ...defined({ cachedInputTokens: count(u.cachedTokens) ?? undefined }),
  };
}

function toolCall(c: unknown): ToolCall {
  const fn = isRecord(c) && isRecord(c.function) ? c.function : {};
  const id = isRecord(c) ? str(c.id) : undefined;
  const name = str(fn.name);
  if (!id || !name) throw malformed(NAME, 'a tool call without its id or name');
  return { id, name, arguments: str(fn.arguments) ?? '{}' };
}

export function cohereAnswer(res: unknown, model: string): ChatAnswer {
  // A 200 with a non-JSON body reaches us as an object without `message` (the SDK does not throw).
  if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
  const content = Array.isArray(res.message.content) ? res.message.content.filter(isRecord) : [];
  const calls = Array.isArray(res.message.toolCalls) ? res.message.toolCalls.map(toolCall) : [];
  return {
    // Text items only: "thinking" items are a reasoning model's thoughts, tool_plan its plan for the calls.
    text: content.map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : '')).join(''),
    ...(calls.length ? { toolCalls: calls } : {}),
    finishReason: finishReason(res.finishReason),
    ...cohereUsage(res.usage),
    // Cohere does not echo the model.
    model,
  };
}

/** Cohere's index of each streamed tool call -> ours (the calls in order of their start). */
export interface CohereStreamState {
  indexes: Map<number, number>;
  /** Ours of the call started last (for an event without an index). */
  last: number;
}

/**
 * One stream event: text of content-delta (not thinking), tool-call-start as the call's
 * first piece (id, name), tool-call-delta as pieces of its arguments; message-end fills `end`.
 */
export function cohereEvent(event: unknown, state: CohereStreamState, end: StreamEnd): string | StreamEvent | undefined {
  if (!isRecord(event)) throw malformed(NAME, 'stream event is not an object');
  const delta = isRecord(event.delta) ? event.delta : {};
  const message = isRecord(delta.message) ? delta.message : {};
  const at = typeof event.index === 'number' ? event.index : undefined;
  switch (event.type) {
    case 'content-delta':
      return isRecord(message.content) ? str(message.content.text) : undefined;
    case 'tool-call-start': {
      const call = toolCall(message.toolCalls);
      const index = state.indexes.size;
      state.indexes.set(at ?? -1 - index, index);
      state.last = index;
      // Arguments come in the deltas; a start that already holds some passes them on.
      return { type: 'tool_call', index, id: call.id, name: call.name, ...(hasArguments(message.toolCalls) ? { arguments: call.arguments } : {}) };
    }
    case 'tool-call-delta': {
      const index = at === undefined ? (state.last >= 0 ? state.last : undefined) : state.indexes.get(at);
      if (index === undefined) throw malformed(NAME, 'tool-call-delta before its tool-call-start');
      const fn = isRecord(message.toolCalls) && isRecord(message.toolCalls.function) ? message.toolCalls.function : {};
      const args = str(fn.arguments);
      return args ? { type: 'tool_call', index, arguments: args } : undefined;
    }
    case 'message-end':
      if (delta.error) throw malformed(NAME, `stream ended with an error: ${String(delta.error)}`);
      end.finishReason = finishReason(delta.finishReason) ?? end.finishReason;
      Object.assign(end, cohereUsage(delta.usage));
      return undefined;
    default:
      return undefined;
  }
}

/** Whether a tool-call-start already carries (non-empty) arguments. */
function hasArguments(call: unknown): boolean {
  return isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string' && call.function.arguments !== '';
}
