// The cache key: a hash of the canonical form of everything that shapes the
// answer. Object key order never changes it; any differing parameter does.
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../providers/types.js';

/** JSON with object keys sorted at every depth and undefined values dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sha256(data: string | Buffer) {
  return createHash('sha256').update(data).digest('hex');
}

const modelTags = new Map<string, string>();

/** Short, glob-safe tag of a model name (names may contain / : * ?); memoised, models are few. */
export function modelTag(model: string) {
  let tag = modelTags.get(model);
  if (!tag) {
    tag = sha256(model).slice(0, 16);
    if (modelTags.size < 10_000) modelTags.set(model, tag);
  }
  return tag;
}

/** What a message contributes to the key: images by a hash of their bytes, not their text. */
function keyedMessage(m: ChatMessage) {
  const content =
    typeof m.content === 'string'
      ? m.content
      : m.content.map((p) =>
          p.type === 'text'
            ? p
            : { type: 'image', detail: p.detail, image: p.source.kind === 'url' ? p.source.url : `sha256:${sha256(Buffer.from(p.source.data, 'base64'))}` },
        );
  return { role: m.role, content, tool_calls: m.toolCalls, tool_call_id: m.toolCallId };
}

/**
 * `c:<provider>:<model tag>:<request hash>`; the prefix lets the cache clear one
 * provider or one model with SCAN in batches. `scope` partitions the entries (per user
 * unless the cache is shared).
 */
export function completionCacheKey(provider: string, request: ChatRequest, scope: string): string {
  const canonical = canonicalJson({
    scope,
    provider,
    model: request.model,
    messages: request.messages.map(keyedMessage),
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    stop: request.stop,
    tools: request.tools,
    tool_choice: request.toolChoice,
    parallel_tool_calls: request.parallelToolCalls,
    response_format: request.responseFormat,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    user: request.user,
    extra: request.extra && Object.keys(request.extra).length ? request.extra : undefined,
  });
  return `c:${provider}:${modelTag(request.model)}:${sha256(canonical)}`;
}

export function providerKeyPattern(provider: string) {
  return `c:${provider}:*`;
}

export function modelKeyPattern(provider: string, model: string) {
  return `c:${provider}:${modelTag(model)}:*`;
}
