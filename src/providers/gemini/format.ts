// Gemini's generateContent format both ways: contents with text, inlineData,
// functionCall and functionResponse parts; functionDeclarations and toolConfig; JSON
// output through responseMimeType and responseSchema (Gemini's subset of JSON schema,
// see schema.ts); and the answer and stream chunks back, with the ids Gemini does not give.

import type { GenerateContentRequest } from '@google/generative-ai';
import type { ChatMessage, ChatRequest, ContentPart, StreamEvent, ToolCall, Usage } from '../types.js';
import {
  argumentsObject,
  count,
  defined,
  generatedCallId,
  isRecord,
  parseJson,
  splitSystem,
  stopList,
  str,
  textOf,
  toolCallNames,
  unsupported,
} from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';
import { geminiSchema, isEmptyObjectSchema } from './schema.js';

export const NAME = 'gemini';

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

// ---------------------------------------------------------------------------
// Requests

/**
 * The generateContent body for a request; throws UNSUPPORTED_FEATURE for what Gemini
 * cannot take (an image by URL, a schema keyword outside its subset, a tool result whose
 * call is not in the conversation: Gemini answers calls by name, not id).
 */
export function geminiRequest(request: ChatRequest): GenerateContentRequest {
  const { system, rest } = splitSystem(request.messages);
  // Every allowed extra is a generationConfig field but safetySettings, which sits beside it.
  const { safetySettings, ...generation } = request.extra ?? {};
  const format = request.responseFormat;
  const generationConfig = {
    ...defined({
      maxOutputTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      stopSequences: stopList(request),
      seed: request.seed,
      presencePenalty: request.presencePenalty,
      frequencyPenalty: request.frequencyPenalty,
    }),
    ...(format && format.type !== 'text' ? { responseMimeType: 'application/json' } : {}),
    ...(format?.type === 'json_schema' ? { responseSchema: responseSchema(format.schema, format.description) } : {}),
    ...generation,
  };
  const tools = request.tools?.length ? request.tools : undefined;
  return {
    contents: contents(rest),
    ...defined({
      systemInstruction: system,
      safetySettings,
      tools: tools && [
        {
          functionDeclarations: tools.map((t, i) => ({
            name: t.name,
            ...defined({ description: t.description, parameters: toolParameters(t.parameters, i) }),
          })),
        },
      ],
      toolConfig: tools && toolConfig(request.toolChoice),
    }),
    generationConfig,
    // The SDK's types lag the API (seed, propertyOrdering, anyOf, function call ids).
  } as unknown as GenerateContentRequest;
}

function contents(messages: ChatMessage[]): Content[] {
  const names = toolCallNames(messages);
  const out: Content[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      const name = names.get(m.toolCallId ?? '');
      if (name === undefined) {
        throw unsupported(NAME, 'tools', `a tool result for a call that is not in the conversation (Gemini matches results to calls by name): tool_call_id ${m.toolCallId} is in no earlier assistant message`, { field: 'messages' });
      }
      const part = { functionResponse: { name, response: functionResponse(textOf(m.content)) } };
      // The results of one turn's calls go together, in one content after the calls.
      const last = out.at(-1);
      if (last?.role === 'user' && last.parts.every((p) => p.functionResponse !== undefined)) last.parts.push(part);
      else out.push({ role: 'user', parts: [part] });
    } else if (m.role === 'assistant') {
      const parts: Part[] = [];
      const text = textOf(m.content);
      if (text || !m.toolCalls?.length) parts.push({ text });
      for (const call of m.toolCalls ?? []) parts.push({ functionCall: { name: call.name, args: callArguments(call) } });
      out.push({ role: 'model', parts });
    } else {
      out.push({ role: 'user', parts: typeof m.content === 'string' ? [{ text: m.content }] : m.content.map(userPart) });
    }
  }
  return out;
}

function userPart(part: ContentPart): Part {
  if (part.type === 'text') return { text: part.text };
  // Gemini's fileData takes files uploaded to its Files API, not web URLs; the gateway
  // refuses URLs before (image_urls is not declared), this keeps a direct caller honest.
  if (part.source.kind === 'url') throw unsupported(NAME, 'image_urls', 'images by URL (send the image as a base64 data URL)');
  return { inlineData: { mimeType: part.source.mediaType, data: part.source.data } };
}

function callArguments(call: ToolCall): Record<string, unknown> {
  const args = argumentsObject(call.arguments);
  if (!args) throw unsupported(NAME, 'tools', `tool call arguments that are not a JSON object (call ${call.id})`, { field: 'messages' });
  return args;
}

/**
 * A tool's result as functionResponse.response, which must be an object: a JSON object
 * as it is, anything else under "output" (the key Gemini documents for a function's output).
 */
function functionResponse(text: string): Record<string, unknown> {
  const value = parseJson(text);
  if (isRecord(value)) return value;
  return { output: value === undefined ? text : value };
}

function toolParameters(parameters: Record<string, unknown> | undefined, index: number): unknown {
  // A function without arguments has no parameters in Gemini (an object schema must have properties).
  if (parameters === undefined || isEmptyObjectSchema(parameters)) return undefined;
  return geminiSchema(parameters, { provider: NAME, feature: 'tools', field: `tools.${index}.parameters`, ordering: false, root: 'object' });
}

function responseSchema(schema: Record<string, unknown>, description: string | undefined): unknown {
  const out = geminiSchema(schema, { provider: NAME, feature: 'json_schema', field: 'response_format.schema', ordering: true });
  return description && out.description === undefined ? { ...out, description } : out;
}

function toolConfig(choice: ChatRequest['toolChoice']): unknown {
  if (choice === undefined || choice === 'auto') return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

// ---------------------------------------------------------------------------
// Answers

interface Candidate {
  content?: { parts?: unknown };
  finishReason?: unknown;
}

function firstCandidate(res: Record<string, unknown>): Candidate | undefined {
  return Array.isArray(res.candidates) && isRecord(res.candidates[0]) ? (res.candidates[0] as Candidate) : undefined;
}

function partsOf(c: Candidate | undefined): Record<string, unknown>[] {
  const parts = c?.content?.parts;
  return Array.isArray(parts) ? parts.filter(isRecord) : [];
}

/** Answer text: text parts but thoughts (parts marked thought, with thinkingConfig.includeThoughts). */
function partText(p: Record<string, unknown>): string {
  return typeof p.text === 'string' && p.thought !== true ? p.text : '';
}

/**
 * A functionCall part as our tool call. Gemini gives no ids (Vertex may): one is derived
 * from the response id and the call's place, so a stream and a replay give the same ids.
 */
function toolCall(p: Record<string, unknown>, index: number, responseId: string): ToolCall | undefined {
  if (!isRecord(p.functionCall)) return undefined;
  const name = str(p.functionCall.name);
  if (!name) throw malformed(NAME, 'a functionCall without a name');
  const args = JSON.stringify(isRecord(p.functionCall.args) ? p.functionCall.args : {});
  return { id: str(p.functionCall.id) || generatedCallId(NAME, responseId, index, name, args), name, arguments: args };
}

const FINISH: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
  // An unsupported language, or a reason Gemini does not name: the answer is not a finished one.
  LANGUAGE: 'error',
  OTHER: 'error',
  FINISH_REASON_UNSPECIFIED: 'error',
};

/** Gemini says STOP after function calls too; a prompt it blocked has no candidate but a blockReason. */
function finishReason(raw: string | undefined, calls: boolean, blocked: boolean): string | null {
  if (blocked) return 'content_filter';
  if (raw === undefined) return calls ? 'tool_calls' : null;
  if (calls && raw === 'STOP') return 'tool_calls';
  return Object.hasOwn(FINISH, raw) ? FINISH[raw]! : raw;
}

function blocked(res: Record<string, unknown>): boolean {
  return isRecord(res.promptFeedback) && res.promptFeedback.blockReason !== undefined;
}

/**
 * usageMetadata normalised: promptTokenCount already counts the cached content
 * (cachedContentTokenCount is part of it), the tool-use prompt is input too, and the
 * thoughts (thoughtsTokenCount, billed as output) are added to candidatesTokenCount.
 */
export function geminiUsage(u: unknown): Usage {
  if (!isRecord(u)) return { inputTokens: null, outputTokens: null };
  const prompt = count(u.promptTokenCount);
  const toolPrompt = count(u.toolUsePromptTokenCount);
  const candidates = count(u.candidatesTokenCount);
  const thoughts = count(u.thoughtsTokenCount);
  return {
    inputTokens: prompt === null && toolPrompt === null ? null : (prompt ?? 0) + (toolPrompt ?? 0),
    outputTokens: candidates === null && thoughts === null ? null : (candidates ?? 0) + (thoughts ?? 0),
    ...defined({ cachedInputTokens: count(u.cachedContentTokenCount) ?? undefined, reasoningTokens: thoughts ?? undefined }),
  };
}

export function geminiAnswer(res: unknown, requestedModel: string): ChatAnswer {
  if (!isRecord(res) || !(Array.isArray(res.candidates) || isRecord(res.promptFeedback))) {
    throw malformed(NAME, 'no candidates in the response');
  }
  const candidate = firstCandidate(res);
  const responseId = str(res.responseId) ?? '';
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const p of partsOf(candidate)) {
    text += partText(p);
    const call = toolCall(p, toolCalls.length, responseId);
    if (call) toolCalls.push(call);
  }
  return {
    text,
    ...(toolCalls.length ? { toolCalls } : {}),
    finishReason: finishReason(str(candidate?.finishReason), toolCalls.length > 0, blocked(res)),
    ...geminiUsage(res.usageMetadata),
    model: str(res.modelVersion) || requestedModel,
  };
}

/** What a stream has seen so far, for the chunks after. */
export interface GeminiStreamState {
  calls: number;
  rawFinish: string | undefined;
  blocked: boolean;
}

/**
 * One stream chunk: its text and tool calls as they come (Gemini sends each function call
 * whole, in one chunk: one tool_call event carries id, name and all the arguments), and
 * what it reports into `end` (usageMetadata is cumulative: the last one counts).
 */
export function geminiChunk(chunk: unknown, state: GeminiStreamState, end: StreamEnd): (string | StreamEvent)[] {
  if (!isRecord(chunk)) throw malformed(NAME, 'stream chunk is not an object');
  const candidate = firstCandidate(chunk);
  const out: (string | StreamEvent)[] = [];
  for (const p of partsOf(candidate)) {
    const text = partText(p);
    if (text) out.push(text);
    const call = toolCall(p, state.calls, str(chunk.responseId) ?? '');
    if (call) out.push({ type: 'tool_call', index: state.calls++, id: call.id, name: call.name, arguments: call.arguments });
  }
  state.rawFinish = str(candidate?.finishReason) ?? state.rawFinish;
  state.blocked ||= blocked(chunk);
  end.finishReason = finishReason(state.rawFinish, state.calls > 0, state.blocked);
  end.model = str(chunk.modelVersion) || end.model;
  if (isRecord(chunk.usageMetadata)) Object.assign(end, geminiUsage(chunk.usageMetadata));
  return out;
}
