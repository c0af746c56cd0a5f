// The cache key: a hash of the canonical form of everything that shapes the
// answer. Object key order never changes it; any differing parameter does.
import { hash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../providers/types.js';

/**
 * JSON with object keys sorted at every depth (by UTF-16 code units, as sort() compares) and
 * undefined values dropped (null inside arrays). Written into one string as it walks: it runs
 * on every request, for the cache key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const k of Object.keys(record).sort()) {
    const v = record[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** One-shot (no Hash object per call). */
function sha256(data: string | Buffer) {
  return hash('sha256', data, 'hex');
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

/** A value's canonical JSON, or undefined for undefined (the key leaves such fields out). */
const field = (v: unknown) => (v === undefined ? undefined : canonicalJson(v));

/**
 * What a message contributes to the key, as canonicalJson would write
 * {role, content, tool_calls, tool_call_id}: images by a hash of their bytes, not their text.
 */
function keyedMessage(m: ChatMessage): string {
  const content =
    typeof m.content === 'string'
      ? JSON.stringify(m.content)
      : canonicalJson(
          m.content.map((p) =>
            p.type === 'text'
              ? p
              : { type: 'image', detail: p.detail, image: p.source.kind === 'url' ? p.source.url : `sha256:${sha256(Buffer.from(p.source.data, 'base64'))}` },
          ),
        );
  return canonicalObject([
    ['content', content],
    ['role', JSON.stringify(m.role)],
    ['tool_call_id', field(m.toolCallId)],
    ['tool_calls', field(m.toolCalls)],
  ]);
}

/** An object's JSON from its fields' JSON, given in sorted key order; undefined fields left out. */
function canonicalObject(fields: [string, string | undefined][]): string {
  let out = '{';
  for (const [k, json] of fields) {
    if (json === undefined) continue;
    if (out.length > 1) out += ',';
    out += `"${k}":${json}`;
  }
  return `${out}}`;
}

/**
 * `c:<provider>:<model tag>:<request hash>`; the prefix lets the cache clear one
 * provider or one model with SCAN in batches. `scope` partitions the entries (per user
 * unless the cache is shared). The hash is of canonicalJson of {scope, provider, model,
 * messages, max_tokens, ...} (the names below), written field by field in key order
 * rather than built as an object and sorted: it runs on every request.
 */
export function completionCacheKey(provider: string, request: ChatRequest, scope: string): string {
  let messages = '[';
  for (const m of request.messages) messages += (messages.length > 1 ? ',' : '') + keyedMessage(m);
  const canonical = canonicalObject([
    ['extra', request.extra && Object.keys(request.extra).length ? canonicalJson(request.extra) : undefined],
    ['frequency_penalty', field(request.frequencyPenalty)],
    ['max_tokens', field(request.maxTokens)],
    ['messages', `${messages}]`],
    ['model', JSON.stringify(request.model)],
    ['parallel_tool_calls', field(request.parallelToolCalls)],
    ['presence_penalty', field(request.presencePenalty)],
    ['provider', JSON.stringify(provider)],
    ['response_format', field(request.responseFormat)],
    ['scope', JSON.stringify(scope)],
    ['seed', field(request.seed)],
    ['stop', field(request.stop)],
    ['temperature', field(request.temperature)],
    ['tool_choice', field(request.toolChoice)],
    ['tools', field(request.tools)],
    ['top_p', field(request.topP)],
    ['user', field(request.user)],
  ]);
  return `c:${provider}:${modelTag(request.model)}:${sha256(canonical)}`;
}

export function providerKeyPattern(provider: string) {
  return `c:${provider}:*`;
}

export function modelKeyPattern(provider: string, model: string) {
  return `c:${provider}:${modelTag(model)}:*`;
}
