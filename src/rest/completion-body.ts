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
  if (b.no_cache !== undefined && typeof b.no_cache !== 'boolean') throw new GatewayError('VALIDATION_ERROR', 'no_cache: must be a boolean', { details: { field: 'no_cache' } });
  // Only the fields given (undefined and null ones left out): an object built whole and then
  // thinned with delete is slower to read for everything after.
  const input: Json = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) input[k] = v;
  };
  set('provider', provider);
  set('model', b.model);
  set('prompt', b.prompt);
  set('systemMessage', b.system_message);
  set('messages', Array.isArray(b.messages) ? b.messages.map(messageFromOpenAI) : b.messages);
  set('maxTokens', b.max_tokens);
  set('temperature', b.temperature);
  set('topP', b.top_p);
  set('stop', typeof b.stop === 'string' ? [b.stop] : b.stop);
  set('tools', Array.isArray(b.tools) ? b.tools.map(tool) : b.tools);
  set('toolChoice', toolChoice(b.tool_choice));
  set('parallelToolCalls', b.parallel_tool_calls);
  set('responseFormat', responseFormat(b.response_format));
  set('seed', b.seed);
  set('presencePenalty', b.presence_penalty);
  set('frequencyPenalty', b.frequency_penalty);
  set('user', b.user);
  set('extra', b.extra);
  set('optimize', b.optimize);
  set('aggressive', b.aggressive);
  set('cache', b.no_cache === true ? { read: false, write: false } : cachePolicy(b.cache));
  set('fallback', b.fallback);
  set('timeoutMs', b.timeout_ms);
  set('baseUrl', b.base_url);
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
