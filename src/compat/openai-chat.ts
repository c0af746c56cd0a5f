// OpenAI's API under /v1: POST /v1/chat/completions (answers and streams in OpenAI's chunk
// format), POST /v1/embeddings, GET /v1/models and /v1/models/{id}. Translation only: the
// body becomes the gateway's completion input (the REST body translation is reused for the
// fields both share) and the result becomes OpenAI's answer; every rule is the gateway's.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { CompletionResult } from '../gateway/gateway.js';
import type { FinishReason } from '../providers/types.js';
import { completionFromBody, toolCallsJson } from '../rest/completion-body.js';
import type { RestRequest, Route } from '../rest/router.js';
import { openaiErrorBody, sendOpenAIError } from './errors.js';
import { answeringModel, compatRoute, complete, embed, modelNames, streamCompletion, resultHeaders, routedInput, type SseEvent, type StreamPiece } from './pipeline.js';
import type { ResolvedModel } from './model-names.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, message: string): never {
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${message}`, { details: { field } });
}

/** Fields of OpenAI's chat body that the REST body spells the same way (and the gateway's own extensions). */
const SHARED_FIELDS = [
  'messages', 'max_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
  'seed', 'presence_penalty', 'frequency_penalty', 'user', 'extra', 'optimize', 'aggressive', 'cache', 'no_cache', 'fallback', 'timeout_ms',
];
/** OpenAI generation parameters with no canonical field: passed as `extra`, which each provider's allow-list checks. */
const OPENAI_EXTRA = ['logit_bias', 'logprobs', 'top_logprobs', 'reasoning_effort', 'service_tier', 'prediction', 'verbosity'];

/** Fields of an answer's message that clients send back as they got them; they say nothing to the model. */
const ECHOED_FIELDS = ['refusal', 'annotations', 'audio', 'function_call'];

/** A message as the chat format allows it, in the shape the REST translation reads. */
function echoedMessage(m: unknown): unknown {
  if (!isObject(m)) return m;
  const out: Json = {};
  for (const [k, v] of Object.entries(m)) {
    if (ECHOED_FIELDS.includes(k) && m.role === 'assistant' && (v === null || k !== 'function_call')) continue;
    out[k] = v;
  }
  // "developer" is the newer name of the system role.
  if (out.role === 'developer') out.role = 'system';
  return out;
}

/** An OpenAI chat body as the gateway's input; `stream` and its options apart. */
export function chatInput(body: unknown, resolve: (model: unknown) => ResolvedModel) {
  if (!isObject(body)) bad('body', 'must be a JSON object');
  const shared: Json = {};
  const extra: Json = isObject(body.extra) ? { ...body.extra } : {};
  for (const [key, value] of Object.entries(body)) {
    // SDKs send null for "the default".
    if (value === null || value === undefined) continue;
    if (SHARED_FIELDS.includes(key)) shared[key] = value;
    else if (OPENAI_EXTRA.includes(key)) {
      if (value !== false) extra[key] = value;
    } else if (!['model', 'stream', 'stream_options', 'n', 'max_completion_tokens', 'store'].includes(key)) {
      bad(key, 'is not supported by this gateway');
    }
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) bad('n', 'only 1 is supported: providers differ in how many choices they can return');
  if (body.store === true) bad('store', 'stored completions are not supported: this gateway keeps no conversations');
  if (body.max_completion_tokens !== undefined && body.max_completion_tokens !== null) shared.max_tokens = body.max_completion_tokens;
  if (Array.isArray(shared.messages)) {
    shared.messages = shared.messages.map(echoedMessage);
  }
  if (Object.keys(extra).length) shared.extra = extra;
  else delete shared.extra;
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') bad('stream', 'must be a boolean');
  const options = body.stream_options ?? {};
  if (!isObject(options)) bad('stream_options', 'must be an object');
  for (const k of Object.keys(options)) if (k !== 'include_usage' && k !== 'include_obfuscation') bad(`stream_options.${k}`, 'is not supported');
  if (options.include_usage !== undefined && typeof options.include_usage !== 'boolean') bad('stream_options.include_usage', 'must be a boolean');
  const model = resolve(body.model);
  const { input } = completionFromBody(undefined, shared);
  return { input: routedInput(input, model), model, stream, includeUsage: options.include_usage === true };
}

function finishReason(r: FinishReason | null): string {
  return r === null || r === 'error' ? 'stop' : r;
}

export function usageJson(r: CompletionResult) {
  return {
    prompt_tokens: r.inputTokens,
    completion_tokens: r.outputTokens,
    total_tokens: r.inputTokens + r.outputTokens,
    prompt_tokens_details: { cached_tokens: r.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: r.reasoningTokens },
  };
}

function chatCompletionJson(id: string, model: string, r: CompletionResult) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.response === '' && r.toolCalls.length ? null : r.response,
          refusal: null,
          ...(r.toolCalls.length ? { tool_calls: toolCallsJson(r.toolCalls) } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(r.finishReason),
      },
    ],
    usage: usageJson(r),
  };
}

/** The gateway's stream pieces as OpenAI chat.completion.chunk events, then [DONE]. */
async function* chunkEvents(pieces: AsyncIterable<StreamPiece>, id: string, model: string, includeUsage: boolean, done: (r: CompletionResult) => void): AsyncGenerator<SseEvent> {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choice: Json | null, usage?: Json) =>
    ({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: choice ? [choice] : [], ...(includeUsage ? { usage: usage ?? null } : {}) }) });
  yield chunk({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
  for await (const p of pieces) {
    if (p.type === 'chunk') {
      yield chunk({ index: 0, delta: { content: p.text }, logprobs: null, finish_reason: null });
    } else if (p.type === 'tool_call') {
      const call: Json = { index: p.index };
      if (p.id !== undefined) Object.assign(call, { id: p.id, type: 'function' });
      const fn: Json = {};
      if (p.name !== undefined) fn.name = p.name;
      fn.arguments = p.arguments ?? '';
      call.function = fn;
      yield chunk({ index: 0, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null });
    } else {
      done(p.result);
      yield chunk({ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(p.result.finishReason) });
      if (includeUsage) yield chunk(null, usageJson(p.result));
      yield { data: '[DONE]' };
    }
  }
}

async function chatCompletions(r: RestRequest) {
  const { input, model, stream, includeUsage } = chatInput(r.body, (m) => modelNames(r.services).resolve(m));
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  if (!stream) {
    const result = await complete(r, input, 'openai-chat');
    return { body: chatCompletionJson(id, answeringModel(model, result), result), headers: resultHeaders(result) };
  }
  return streamCompletion(
    r, input, 'openai-chat',
    (pieces, done) => chunkEvents(pieces, id, model.requested, includeUsage, done),
    (err) => ({ data: JSON.stringify(openaiErrorBody(err)) }),
  );
}

// ---------------------------------------------------------------------------
// Embeddings

async function embeddings(r: RestRequest) {
  const body = r.body;
  if (!isObject(body)) bad('body', 'must be a JSON object');
  for (const k of Object.keys(body)) if (!['model', 'input', 'encoding_format', 'user', 'dimensions'].includes(k)) bad(k, 'is not supported by this gateway');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') bad('encoding_format', 'must be float or base64');
  if (body.dimensions !== undefined && body.dimensions !== null) bad('dimensions', 'is not supported: providers differ in how they shorten vectors');
  const model = modelNames(r.services).resolve(body.model);
  const e = await embed(r, model.provider, model.model, body.input);
  return {
    headers: resultHeaders({ cached: false, estimatedCost: e.costUsd }),
    body: {
      object: 'list',
      data: e.vectors.map((v, index) => ({
        object: 'embedding',
        index,
        // base64: the little-endian float32 bytes, as OpenAI sends them.
        embedding: format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      })),
      model: answeringModel(model, e),
      usage: { prompt_tokens: e.inputTokens, total_tokens: e.inputTokens },
    },
  };
}

// ---------------------------------------------------------------------------
// Models

function modelJson(id: string, ownedBy: string) {
  return { id, object: 'model', created: 0, owned_by: ownedBy };
}

const routes: Route[] = [
  { method: 'POST', path: '/v1/chat/completions', access: 'user', formatError: sendOpenAIError, handler: chatCompletions },
  { method: 'POST', path: '/v1/embeddings', access: 'user', formatError: sendOpenAIError, handler: embeddings },
  {
    method: 'GET',
    path: '/v1/models',
    access: 'user',
    formatError: sendOpenAIError,
    handler: ({ services }) => ({ body: { object: 'list', data: modelNames(services).list().map((m) => modelJson(m.id, m.ownedBy)) } }),
  },
  {
    method: 'GET',
    path: '/v1/models/:id+',
    access: 'user',
    formatError: sendOpenAIError,
    handler: ({ services, params }) => {
      const names = modelNames(services);
      const resolved = names.resolve(params.id);
      const listed = names.list().find((m) => m.id === params.id);
      return { body: modelJson(params.id!, listed?.ownedBy ?? resolved.provider) };
    },
  },
];

export const openaiRoutes: Route[] = routes.map((r) => compatRoute(r as Route & { formatError: NonNullable<Route['formatError']> }));
