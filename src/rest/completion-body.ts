// The guide's completion body (snake_case, with OpenAI's chat shapes for messages, tools,
// tool_choice and response_format) -> the pipeline's completion input, and the result
// -> the guide's answer. Names and shapes only: every bound and rule is checked once, in
// the gateway (src/gateway/completion-input.ts). Values this cannot read are passed on as
// they are, so that the gateway's validation names the field.
import type { ChatMessageInput, ContentPartInput, RawCompletionInput } from '../gateway/completion-input.js';
import type { CompletionResult } from '../gateway/gateway.js';
import { GatewayError } from '../errors.js';
import type { ToolCall } from '../providers/types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The completion fields a REST body may carry. */
export const COMPLETION_FIELDS = [
  'prompt', 'model', 'system_message', 'messages', 'max_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice',
  'parallel_tool_calls', 'response_format', 'seed', 'presence_penalty', 'frequency_penalty', 'user', 'extra', 'optimize',
  'aggressive', 'cache', 'no_cache', 'fallback', 'timeout_ms', 'base_url',
] as const;

function part(p: unknown): ContentPartInput {
  if (!isObject(p)) return p as ContentPartInput;
  if (p.type === 'image_url') {
    const image = isObject(p.image_url) ? p.image_url : { url: p.image_url };
    return { type: 'image', url: image.url as string, ...(image.detail !== undefined ? { detail: image.detail as 'auto' } : {}) };
  }
  return p as ContentPartInput;
}

function toolCall(c: unknown) {
  if (!isObject(c) || !isObject(c.function)) return c as never;
  return { id: c.id, name: c.function.name, arguments: c.function.arguments } as never;
}

/** One message of OpenAI's chat format. */
export function messageFromOpenAI(m: unknown): ChatMessageInput {
  if (!isObject(m)) return m as ChatMessageInput;
  const out: Json = { role: m.role, content: Array.isArray(m.content) ? m.content.map(part) : m.content ?? (m.tool_calls ? '' : m.content) };
  if (m.tool_calls !== undefined) out.toolCalls = Array.isArray(m.tool_calls) ? m.tool_calls.map(toolCall) : m.tool_calls;
  if (m.tool_call_id !== undefined) out.toolCallId = m.tool_call_id;
  for (const k of Object.keys(m)) if (!['role', 'content', 'tool_calls', 'tool_call_id', 'name'].includes(k)) out[k] = m[k];
  return out as unknown as ChatMessageInput;
}

function tool(t: unknown) {
  if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) return t as never;
  const f = t.function;
  return { name: f.name, ...(f.description !== undefined ? { description: f.description } : {}), ...(f.parameters !== undefined ? { parameters: f.parameters } : {}), ...(f.strict !== undefined ? { strict: f.strict } : {}) } as never;
}

function toolChoice(c: unknown) {
  if (isObject(c) && c.type === 'function' && isObject(c.function)) return { name: c.function.name } as never;
  return c as never;
}

function responseFormat(f: unknown) {
  if (isObject(f) && f.type === 'json_schema' && isObject(f.json_schema)) {
    const s = f.json_schema;
    return { type: 'json_schema', name: s.name, schema: s.schema, ...(s.description !== undefined ? { description: s.description } : {}), ...(s.strict !== undefined ? { strict: s.strict } : {}) } as never;
  }
  return f as never;
}

function cachePolicy(c: unknown) {
  if (!isObject(c)) return c as never;
  const { ttl_seconds, ...rest } = c;
  return { ...rest, ...(ttl_seconds !== undefined ? { ttlSeconds: ttl_seconds } : {}) } as never;
}

/**
 * A REST body as the gateway's input. `own` names the route's other fields (e.g. the
 * stream's chunk_size), returned apart; any other unknown field is refused.
 */
export function completionFromBody<K extends string>(
  provider: string | undefined,
  body: unknown,
  own: readonly K[] = [],
): { input: RawCompletionInput; own: Partial<Record<K, unknown>> } {
  const b = body ?? {};
  if (!isObject(b)) throw new GatewayError('VALIDATION_ERROR', 'body: must be a JSON object', { details: { field: 'body' } });
  const owned: Partial<Record<K, unknown>> = {};
  for (const key of Object.keys(b)) {
    if ((own as readonly string[]).includes(key)) owned[key as K] = b[key];
    else if (!(COMPLETION_FIELDS as readonly string[]).includes(key)) {
      throw new GatewayError('VALIDATION_ERROR', `${key}: unknown field`, { details: { field: key } });
    }
  }
  // Built without undefined or null fields rather than with them and deleted after: deleting
  // properties turns an object into a hash table (about 0.9 KiB, kept for the whole call).
  const fields: Json = {
    provider,
    model: b.model,
    prompt: b.prompt,
    systemMessage: b.system_message,
    messages: Array.isArray(b.messages) ? b.messages.map(messageFromOpenAI) : b.messages,
    maxTokens: b.max_tokens,
    temperature: b.temperature,
    topP: b.top_p,
    stop: typeof b.stop === 'string' ? [b.stop] : b.stop,
    tools: Array.isArray(b.tools) ? b.tools.map(tool) : b.tools,
    toolChoice: toolChoice(b.tool_choice),
    parallelToolCalls: b.parallel_tool_calls,
    responseFormat: responseFormat(b.response_format),
    seed: b.seed,
    presencePenalty: b.presence_penalty,
    frequencyPenalty: b.frequency_penalty,
    user: b.user,
    extra: b.extra,
    optimize: b.optimize,
    aggressive: b.aggressive,
    cache: b.no_cache === true ? { read: false, write: false } : cachePolicy(b.cache),
    fallback: b.fallback,
    timeoutMs: b.timeout_ms,
    baseUrl: b.base_url,
  };
  if (b.no_cache !== undefined && typeof b.no_cache !== 'boolean') throw new GatewayError('VALIDATION_ERROR', 'no_cache: must be a boolean', { details: { field: 'no_cache' } });
  const input: Json = {};
  for (const k in fields) if (fields[k] !== undefined && fields[k] !== null) input[k] = fields[k];
  return { input: input as RawCompletionInput, own: owned };
}

/** Tool calls in OpenAI's shape. */
export function toolCallsJson(calls: ToolCall[]) {
  return calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
}

/** The parts of the usage the guide's fields do not show (each part of input_tokens / output_tokens). */
export function usageDetailsJson(r: CompletionResult) {
  return { cached_input_tokens: r.cachedInputTokens, cache_write_tokens: r.cacheWriteTokens, reasoning_tokens: r.reasoningTokens };
}

export function completionJson(r: CompletionResult) {
  return {
    status: 'success',
    provider: r.provider,
    model: r.model,
    response: r.response,
    tokens_used: r.tokensUsed,
    estimated_cost: r.estimatedCost,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    latency_ms: r.latencyMs,
    cached: r.cached,
    optimized: r.optimized,
    tokens_saved: r.tokensSaved,
    cost_estimated: r.costEstimated,
    finish_reason: r.finishReason,
    tool_calls: toolCallsJson(r.toolCalls),
    usage_details: usageDetailsJson(r),
    provider_label: r.providerLabel,
    ...(r.failedOver.length ? { failed_over: r.failedOver } : {}),
    ...(r.warnings.length ? { warnings: r.warnings } : {}),
  };
}
