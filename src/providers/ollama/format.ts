// Ollama's /api/chat format both ways: messages with base64 images and tool calls whose
// arguments are objects, tool messages; tools; format ("json" or a JSON schema); options;
// and the answer and NDJSON stream lines back, with the ids Ollama does not give.

import type { ChatRequest as OllamaChatRequest, Message as OllamaMessage, Options as OllamaOptions } from 'ollama';
import type { ChatMessage, ChatRequest, StreamEvent, ToolCall } from '../types.js';
import { argumentsObject, count, defined, generatedCallId, isRecord, modelOf, stopList, str, textOf, toolCallNames, unsupported } from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';

export const NAME = 'ollama';

// ---------------------------------------------------------------------------
// Requests

/** The chat body, for chat and stream alike (`stream` says which). */
export function ollamaRequest(request: ChatRequest, defaultModel: string, stream: boolean): OllamaChatRequest {
  const extra = request.extra ?? {};
  const options: Partial<OllamaOptions> = {
    ...defined({
      num_predict: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      stop: stopList(request),
      seed: request.seed,
      presence_penalty: request.presencePenalty,
      frequency_penalty: request.frequencyPenalty,
    }),
    ...(isRecord(extra.options) ? extra.options : {}),
  };
  const format = request.responseFormat;
  // Ollama has no tool_choice: "none" is kept by offering no tools ("required" and a named
  // tool are not declared, so the gateway refuses them).
  const tools = request.toolChoice === 'none' ? undefined : request.tools;
  return {
    model: modelOf(request, defaultModel),
    messages: messages(request.messages),
    ...defined({
      tools: tools?.length
        ? tools.map((t) => ({ type: 'function', function: { name: t.name, ...defined({ description: t.description }), parameters: t.parameters ?? { type: 'object', properties: {} } } }))
        : undefined,
      format: format?.type === 'json_object' ? 'json' : format?.type === 'json_schema' ? format.schema : undefined,
      think: extra.think,
    }),
    options,
    stream,
  } as OllamaChatRequest;
}

function messages(list: ChatMessage[]): OllamaMessage[] {
  const names = toolCallNames(list);
  return list.map((m): OllamaMessage => {
    if (m.role === 'tool') {
      // tool_name tells the model which call a result answers (Ollama has no call ids).
      return { role: 'tool', content: textOf(m.content), ...defined({ tool_name: names.get(m.toolCallId ?? '') }) };
    }
    const out: OllamaMessage = { role: m.role, content: textOf(m.content) };
    if (typeof m.content !== 'string') {
      const images: Uint8Array[] = [];
      for (const p of m.content) {
        if (p.type !== 'image') continue;
        if (p.source.kind === 'url') throw unsupported(NAME, 'image_urls', 'images by URL (send the image as a base64 data URL)');
        // Bytes, not the base64 text: the SDK reads a string that names an existing file
        // from disk (its file-path convenience), and base64 text can be a path ("//etc/passwd").
        images.push(Buffer.from(p.source.data, 'base64'));
      }
      if (images.length) out.images = images;
    }
    if (m.toolCalls?.length) {
      out.tool_calls = m.toolCalls.map((c) => {
        const args = argumentsObject(c.arguments);
        if (!args) throw unsupported(NAME, 'tools', `tool call arguments that are not a JSON object (call ${c.id})`, { field: 'messages' });
        return { function: { name: c.name, arguments: args } };
      });
    }
    return out;
  });
}

// ---------------------------------------------------------------------------
// Answers

/**
 * Ollama's tool calls as ours: arguments (an object) as JSON text, and an id, which Ollama
 * does not give, derived from the answer (model, creation time) and the call's place.
 */
function toolCalls(message: Record<string, unknown>, identity: string, from: number): ToolCall[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.map((c: unknown, i) => {
    const fn = isRecord(c) && isRecord(c.function) ? c.function : {};
    const name = str(fn.name);
    if (!name) throw malformed(NAME, 'a tool call without a name');
    const args = JSON.stringify(isRecord(fn.arguments) ? fn.arguments : {});
    const id = (isRecord(c) ? str(c.id) : undefined) || generatedCallId(NAME, identity, from + i, name, args);
    return { id, name, arguments: args };
  });
}

/** Ollama's done_reason: "load" and "unload" end a request that only (un)loaded the model. */
const FINISH: Record<string, string> = { stop: 'stop', length: 'length', load: 'stop', unload: 'stop' };

/** Ollama says "stop" after tool calls too. */
function finishReason(raw: unknown, calls: boolean): string | null {
  const s = str(raw);
  if (s === undefined) return null;
  const reason = Object.hasOwn(FINISH, s) ? FINISH[s]! : s;
  return calls && reason === 'stop' ? 'tool_calls' : reason;
}

const identityOf = (res: Record<string, unknown>) => `${str(res.model) ?? ''}@${String(res.created_at ?? '')}`;

export function ollamaAnswer(res: unknown, requestedModel: string): ChatAnswer {
  if (!isRecord(res) || !isRecord(res.message)) throw malformed(NAME, 'no message in the response');
  const calls = toolCalls(res.message, identityOf(res), 0);
  return {
    // message.thinking (with think) is the reasoning, not the answer.
    text: str(res.message.content) ?? '',
    ...(calls.length ? { toolCalls: calls } : {}),
    finishReason: finishReason(res.done_reason, calls.length > 0),
    // Ollama counts no cache and no reasoning apart: eval_count holds the thinking too.
    inputTokens: count(res.prompt_eval_count),
    outputTokens: count(res.eval_count),
    model: str(res.model) || requestedModel,
  };
}

/** Tool calls seen so far in a stream; the first line's identity names its calls. */
export interface OllamaStreamState {
  calls: number;
  identity: string | undefined;
}

/**
 * One NDJSON line: its text, and its tool calls, which Ollama sends whole in one line (each
 * is one tool_call event with id, name and all the arguments); the last line (done: true)
 * carries the finish reason and the counts.
 */
export function ollamaLine(line: unknown, state: OllamaStreamState, end: StreamEnd): (string | StreamEvent)[] {
  if (!isRecord(line)) throw malformed(NAME, 'stream line is not an object');
  end.model = str(line.model) || end.model;
  state.identity ??= identityOf(line);
  const out: (string | StreamEvent)[] = [];
  if (isRecord(line.message)) {
    const text = str(line.message.content);
    if (text) out.push(text);
    for (const call of toolCalls(line.message, state.identity, state.calls)) {
      out.push({ type: 'tool_call', index: state.calls++, id: call.id, name: call.name, arguments: call.arguments });
    }
  }
  if (line.done === true) {
    end.finishReason = finishReason(line.done_reason, state.calls > 0);
    end.inputTokens = count(line.prompt_eval_count);
    end.outputTokens = count(line.eval_count);
  }
  return out;
}
