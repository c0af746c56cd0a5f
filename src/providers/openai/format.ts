// The OpenAI chat-completions format both ways: messages with text and image_url parts,
// assistant tool_calls and tool messages; function tools, tool_choice, parallel_tool_calls
// and response_format; the answer, its usage details and the stream chunks back. OpenAI
// speaks it, and so does every OpenAI-compatible API (the Hugging Face router).

import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, StreamEvent, ToolCall, ToolChoice, ToolDefinition, Usage } from '../types.js';
import { count, defined, generatedCallId, isRecord, modelOf, str, stopList, textOf } from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';

// ---------------------------------------------------------------------------
// Requests

export interface ChatBodyOptions {
  /**
   * Send the output limit as max_completion_tokens: OpenAI's reasoning models (o1, o3,
   * o4-mini, gpt-5) refuse max_tokens; OpenAI-compatible servers mostly know only max_tokens.
   */
  maxCompletionTokens?: boolean;
}

/** The request body; `last` (the stream flags) goes after the caller's extras, so they cannot change it. */
export function chatBody(request: ChatRequest, defaultModel: string, last: Record<string, unknown> = {}, options: ChatBodyOptions = {}) {
  const tools = request.tools?.length ? request.tools : undefined;
  return {
    model: modelOf(request, defaultModel),
    messages: request.messages.map(message),
    ...defined({
      [options.maxCompletionTokens ? 'max_completion_tokens' : 'max_tokens']: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      stop: stopList(request),
      seed: request.seed,
      presence_penalty: request.presencePenalty,
      frequency_penalty: request.frequencyPenalty,
      user: request.user,
      tools: tools?.map(tool),
      tool_choice: tools && request.toolChoice !== undefined ? toolChoice(request.toolChoice) : undefined,
      parallel_tool_calls: tools ? request.parallelToolCalls : undefined,
      response_format: request.responseFormat && responseFormat(request.responseFormat),
    }),
    ...request.extra,
    ...last,
  };
}

function message(m: ChatMessage): Record<string, unknown> {
  switch (m.role) {
    case 'user':
      return { role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map(userPart) };
    case 'assistant': {
      const text = textOf(m.content);
      if (!m.toolCalls?.length) return { role: 'assistant', content: text };
      // An assistant turn that only calls tools has content null.
      return {
        role: 'assistant',
        content: text || null,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: textOf(m.content) };
    case 'system':
      return { role: 'system', content: textOf(m.content) };
  }
}

function userPart(part: ContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const url = part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  return { type: 'image_url', image_url: { url, ...defined({ detail: part.detail }) } };
}

function tool(t: ToolDefinition): Record<string, unknown> {
  return {
    type: 'function',
    function: { name: t.name, ...defined({ description: t.description, parameters: t.parameters, strict: t.strict }) },
  };
}

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function responseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: { name: format.name, ...defined({ description: format.description }), schema: format.schema, ...defined({ strict: format.strict }) },
  };
}

// ---------------------------------------------------------------------------
// Answers

const FINISH: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  // The deprecated single function call is a tool call too.
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  // Some OpenAI-compatible servers (TGI) say these.
  eos_token: 'stop',
  stop_sequence: 'stop',
};

/**
 * The finish reason in the canonical words (FinishReason); one without an equivalent as it
 * is. A call forced by a named tool_choice ends with "stop": with calls made it is tool_calls.
 */
export function openaiFinish(raw: unknown, calls = false): string | null {
  const s = str(raw);
  if (s === undefined) return null;
  const reason = Object.hasOwn(FINISH, s) ? FINISH[s]! : s;
  return calls && reason === 'stop' ? 'tool_calls' : reason;
}

/**
 * prompt_tokens already counts the cached ones (prompt_tokens_details.cached_tokens) and
 * completion_tokens the reasoning ones (completion_tokens_details.reasoning_tokens): the
 * details are parts of them, reported when the provider counted any.
 */
export function openaiUsage(usage: unknown): Usage {
  const u = isRecord(usage) ? usage : {};
  const prompt = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const completion = isRecord(u.completion_tokens_details) ? u.completion_tokens_details : {};
  return {
    inputTokens: count(u.prompt_tokens),
    outputTokens: count(u.completion_tokens),
    ...defined({ cachedInputTokens: positive(prompt.cached_tokens), reasoningTokens: positive(completion.reasoning_tokens) }),
  };
}

function positive(value: unknown): number | undefined {
  const n = count(value);
  return n !== null && n > 0 ? n : undefined;
}

interface Choice {
  message?: Record<string, unknown>;
  delta?: Record<string, unknown>;
  finish_reason?: unknown;
}

function firstChoice(res: Record<string, unknown>): Choice | undefined {
  return (Array.isArray(res.choices) && isRecord(res.choices[0]) ? res.choices[0] : undefined) as Choice | undefined;
}

/** Arguments as JSON text; some OpenAI-compatible servers (older TGI) send them as an object. */
function argumentsText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : isRecord(value) ? JSON.stringify(value) : undefined;
}

/** A message's or delta's tool_calls as a list: older TGI sends one object, not an array. */
function callList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : isRecord(value) ? [value] : [];
}

/**
 * A call's id; OpenAI always gives one, some OpenAI-compatible servers (TGI) an empty one:
 * then one derived from the answer and the call's place, the same on every replay.
 */
function callId(provider: string, raw: unknown, answerId: unknown, index: number, name: string): string {
  return str(raw) || generatedCallId(provider, str(answerId) ?? '', index, name);
}

function toolCalls(provider: string, res: Record<string, unknown>, message: Record<string, unknown>): ToolCall[] {
  return callList(message.tool_calls).map((c: unknown, i) => {
    const fn = isRecord(c) && isRecord(c.function) ? c.function : {};
    const name = str(fn.name);
    if (!name) throw malformed(provider, 'a tool call without a name');
    return { id: callId(provider, isRecord(c) ? c.id : undefined, res.id, i, name), name, arguments: argumentsText(fn.arguments) ?? '{}' };
  });
}

export function chatAnswer(provider: string, res: unknown, requestedModel: string): ChatAnswer {
  if (!isRecord(res) || !Array.isArray(res.choices)) throw malformed(provider, 'no choices in the completion');
  const message = firstChoice(res)?.message ?? {};
  const calls = toolCalls(provider, res, message);
  // A structured-output refusal comes as message.refusal instead of content: it is the answer, filtered.
  const refusal = str(message.refusal);
  return {
    text: str(message.content) ?? refusal ?? '',
    ...(calls.length ? { toolCalls: calls } : {}),
    finishReason: refusal && !str(message.content) ? 'content_filter' : openaiFinish(firstChoice(res)?.finish_reason, calls.length > 0),
    ...openaiUsage(res.usage),
    model: str(res.model) || requestedModel,
  };
}

/** The stream's tool calls so far: the provider's index of each -> ours (in order of their first piece). */
export interface OpenAIStreamState {
  calls: Map<number, number>;
  /** The provider's index of the call started last. */
  lastAt: number;
  /** The answer came as a refusal (delta.refusal) rather than content. */
  refused: boolean;
}

export function streamState(): OpenAIStreamState {
  return { calls: new Map(), lastAt: 0, refused: false };
}

/**
 * One chunk: its text and tool-call pieces (the first piece of a call carries its id and
 * name, later ones arguments only; a server that repeats id and name in every piece is
 * read the same), and what it reports into `end`. Usage comes in the last chunk
 * (stream_options.include_usage), whose choices are empty.
 */
export function chunkEvents(provider: string, chunk: unknown, state: OpenAIStreamState, end: StreamEnd): (string | StreamEvent)[] {
  if (!isRecord(chunk)) throw malformed(provider, 'stream chunk is not an object');
  end.model = str(chunk.model) || end.model;
  const choice = firstChoice(chunk);
  if (isRecord(chunk.usage)) Object.assign(end, openaiUsage(chunk.usage));
  const delta = choice?.delta;
  const out: (string | StreamEvent)[] = [];
  if (delta) {
    const text = str(delta.content);
    if (text) out.push(text);
    const refusal = str(delta.refusal);
    if (refusal) {
      state.refused = true;
      out.push(refusal);
    }
    toolCallPieces(provider, chunk.id, delta, state, out);
  }
  if (choice?.finish_reason != null) end.finishReason = state.refused ? 'content_filter' : openaiFinish(choice.finish_reason, state.calls.size > 0);
  return out;
}

function toolCallPieces(provider: string, answerId: unknown, delta: Record<string, unknown>, state: OpenAIStreamState, out: (string | StreamEvent)[]): void {
  for (const piece of callList(delta.tool_calls)) {
    if (!isRecord(piece)) throw malformed(provider, 'a tool call piece is not an object');
    const fn = isRecord(piece.function) ? piece.function : {};
    // Without an index (older TGI), a piece continues the call started last, if any.
    const at = typeof piece.index === 'number' ? piece.index : state.calls.size > 0 ? state.lastAt : 0;
    const args = argumentsText(fn.arguments);
    let index = state.calls.get(at);
    if (index === undefined) {
      const name = str(fn.name);
      if (!name) throw malformed(provider, 'a streamed tool call whose first piece has no name');
      index = state.calls.size;
      state.calls.set(at, index);
      state.lastAt = at;
      out.push({ type: 'tool_call', index, id: callId(provider, piece.id, answerId, index, name), name, ...(args ? { arguments: args } : {}) });
    } else if (args) {
      out.push({ type: 'tool_call', index, arguments: args });
    }
  }
}
