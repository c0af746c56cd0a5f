// What every adapter states and maps the same way. An adapter is its provider's
// ProviderInfo, how a ChatRequest becomes its SDK call, and how the answer or each
// stream chunk becomes ours; how the calls run is in calls.ts. Nothing
// provider-specific lives here.

import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { ChatFeature, ChatMessage, ChatRequest, ContentPart, ProviderAdapter, ProviderFactory, ProviderSettings } from './types.js';
import { UpstreamError } from './types.js';

// ---------------------------------------------------------------------------
// The adapter's description

/** What a provider's folder states about it; settings may override the base URL and default model. */
export interface ProviderInfo {
  name: string;
  label: string;
  baseUrl: string;
  models: string[];
  defaultModel: string;
  /** Output tokens a request may ask for when no entry of `outputLimits` matches the model. */
  maxTokens: number;
  /** Output limits of model families: the longest matching prefix wins. */
  outputLimits?: Record<string, number>;
  /** Beginnings of its well-known model names: a bare model name with one of them routes here. */
  modelPrefixes?: readonly string[];
  /** Embedding models `embed` takes (the first is its default). */
  embeddingModels?: readonly string[];
  /** Model names the API accepts (after the gateway's generic check); default: any. */
  modelPattern?: RegExp;
  /** `extra` keys the provider documents for generation ("options.top_k": one key of an object). */
  extraParams?: readonly string[];
  /** What it translates beyond text chat. */
  features?: readonly ChatFeature[];
  /** Works without an API key (Ollama): always configured. */
  keyless?: boolean;
  /** Runs inside the gateway: no API key or base URL to set, and the default provider while no other has a key. */
  builtIn?: boolean;
  /** Has an embeddings API that EMBEDDINGS_PROVIDER may name (implied by embeddingModels). */
  embeds?: boolean;
  /** Typical time to its first token, in ms (the guide's table): where a stream's expected duration starts. */
  firstTokenMs?: number;
  /** Settings of its own, each read from <NAME>_<suffix> as a whole number ≥ 0 (0 when unset). */
  settings?: readonly ProviderNumberSetting[];
  /**
   * ProviderAdapter.check, from the provider's translation (no SDK needed): the registry offers it
   * before the adapter's module is loaded.
   */
  check?(request: ChatRequest, config: ProviderConfig): void;
}

/** ProviderSettings that hold a number. */
export type NumberSettingKey = { [K in keyof ProviderSettings]-?: NonNullable<ProviderSettings[K]> extends number ? K : never }[keyof ProviderSettings];

export interface ProviderNumberSetting {
  key: NumberSettingKey;
  /** After the provider's upper-case name and an underscore: LATENCY_MS for LOCAL_LATENCY_MS. */
  suffix: string;
}

/** Time to the first token when the provider states none, and per token after it (estimates only). */
const FIRST_TOKEN_MS = 1000;
const MS_PER_TOKEN = 15;

/** How long a stream of `tokens` tokens takes, roughly, from the provider's typical first-token time. */
export function typicalStreamMs(info: Pick<ProviderInfo, 'firstTokenMs'>, tokens: number): number {
  return (info.firstTokenMs ?? FIRST_TOKEN_MS) + tokens * MS_PER_TOKEN;
}

/** The output limit of `model` from the info: the longest matching prefix of outputLimits, else maxTokens. */
export function outputLimit(info: Pick<ProviderInfo, 'maxTokens' | 'outputLimits'>, model: string): number {
  let best = '';
  for (const prefix of Object.keys(info.outputLimits ?? {})) if (model.startsWith(prefix) && prefix.length > best.length) best = prefix;
  return best ? info.outputLimits![best]! : info.maxTokens;
}

/** The settings an adapter's calls need, applied over its ProviderInfo. */
export interface ProviderConfig {
  apiKey: string | undefined;
  /** settings.baseUrl or the info's, without a trailing slash. */
  baseUrl: string;
  defaultModel: string;
  /** settings.fetch; undefined: the adapter's SDK sends through upstreamFetch (loaded with the adapter). */
  fetch: typeof fetch | undefined;
}

type Calls = Pick<ProviderAdapter, 'chat' | 'stream' | 'health' | 'embed' | 'check'>;

const ANY_MODEL = /^/;

/** What an adapter says about itself: its info with the settings applied. */
export type ProviderDescription = Omit<ProviderAdapter, 'chat' | 'stream' | 'health' | 'embed'>;

/** The settings applied over `info`: the adapter's description and the config its calls use. */
export function describeProvider(info: ProviderInfo, settings: ProviderSettings): { description: ProviderDescription; config: ProviderConfig } {
  const config: ProviderConfig = {
    apiKey: settings.apiKey || undefined,
    baseUrl: (settings.baseUrl?.trim() || info.baseUrl).replace(/\/+$/, ''),
    defaultModel: settings.defaultModel || info.defaultModel,
    fetch: settings.fetch,
  };
  const description: ProviderDescription = {
    name: info.name,
    label: info.label,
    baseUrl: config.baseUrl,
    models: info.models,
    defaultModel: config.defaultModel,
    maxOutputTokens: (model) => outputLimit(info, model),
    modelPattern: info.modelPattern ?? ANY_MODEL,
    ...(info.modelPrefixes ? { modelPrefixes: info.modelPrefixes } : {}),
    ...(info.embeddingModels ? { embeddingModels: info.embeddingModels } : {}),
    extraParams: info.extraParams ?? [],
    features: new Set(info.features ?? []),
    isConfigured: () => Boolean(info.keyless || config.apiKey),
    expectedDurationMs: (tokens) => typicalStreamMs(info, tokens),
    ...(info.check ? { check: (request: ChatRequest) => info.check!(request, config) } : {}),
  };
  return { description, config };
}

/**
 * A ProviderFactory from the provider's info and its calls: the adapter describes
 * itself from `info` (with settings applied); `calls` maps requests and answers.
 */
export function defineProvider(info: ProviderInfo, calls: (config: ProviderConfig) => Calls): ProviderFactory {
  return (settings) => {
    const { description, config } = describeProvider(info, settings);
    return { ...description, ...calls(config) };
  };
}

/** The API key, or the http 401 UpstreamError that keeps an unconfigured adapter from calling out. */
export function requireKey(provider: string, apiKey: string | undefined): string {
  if (!apiKey) throw new UpstreamError('http', `${provider} is not configured: missing API key`, 401);
  return apiKey;
}

/** The SDK client, made on first use (requireKey first: no key, no client). */
export function lazyClient<T>(provider: string, apiKey: string | undefined, make: (apiKey: string) => T): () => T {
  let client: T | undefined;
  return () => {
    const key = requireKey(provider, apiKey);
    client ??= make(key);
    return client;
  };
}

// ---------------------------------------------------------------------------
// Requests

/** System messages joined (most providers take one), and the conversation without them. */
export function splitSystem(messages: ChatMessage[]): { system: string | undefined; rest: ChatMessage[] } {
  const system: string[] = [];
  const rest: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') system.push(textOf(m.content));
    else rest.push(m);
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, rest };
}

/** The text of a message's content (its text parts joined); images are not text. */
export function textOf(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const p of content) if (p.type === 'text') text += p.text;
  return text;
}

export function modelOf(request: ChatRequest, fallback: string): string {
  return request.model || fallback;
}

/** Non-empty stop list, or undefined. */
export function stopList(request: ChatRequest): string[] | undefined {
  return request.stop && request.stop.length > 0 ? request.stop : undefined;
}

/** The fields that are not undefined: unset optional parameters are left out of the request, not sent. */
export function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Milliseconds the SDKs that insist on a timeout get: effectively none (setTimeout's maximum). */
export const NO_TIMEOUT_MS = 2_147_483_647;

// ---------------------------------------------------------------------------
// Responses

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A reported count, or null when the provider reported none. */
export function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The value if it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** JSON.parse, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

// ---------------------------------------------------------------------------
// Tools and refusals

/**
 * The 400 UNSUPPORTED_FEATURE for a part of a request the provider cannot take (the
 * request is refused, never sent without it). `what` completes "<provider> does not support".
 */
export function unsupported(provider: string, feature: ChatFeature, what: string, details: Record<string, unknown> = {}): GatewayError {
  return new GatewayError('UNSUPPORTED_FEATURE', `${provider} does not support ${what}`, { details: { provider, feature, ...details } });
}

/**
 * The request as the provider takes it, from `translate`, which throws UNSUPPORTED_FEATURE
 * (see `unsupported`) for what the provider cannot take. In a call that refusal becomes the
 * http 400 UpstreamError a provider's own 400 is: the router neither retries it nor counts
 * it against the provider's circuit breaker (any caller could open it with bad requests).
 * ProviderAdapter.check throws the refusal itself, for the gateway to answer before routing.
 */
export function translated<T>(translate: () => T): T {
  try {
    return translate();
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'UNSUPPORTED_FEATURE') throw new UpstreamError('http', err.message, 400);
    throw err;
  }
}

/** The name of each tool call of the conversation's assistant messages, by id (for providers that answer calls by name). */
export function toolCallNames(messages: ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) for (const call of m.toolCalls ?? []) names.set(call.id, call.name);
  return names;
}

/**
 * An id for a tool call the provider gave none (Gemini, Ollama), derived from what
 * identifies the call in its answer: the same answer always gets the same ids.
 */
export function generatedCallId(...identity: (string | number)[]): string {
  return `call_${createHash('sha256').update(identity.join('\u0000')).digest('base64url').slice(0, 24)}`;
}

/** A tool call's arguments (JSON text) as an object, for providers that take them as one; undefined when they are not a JSON object. */
export function argumentsObject(text: string): Record<string, unknown> | undefined {
  const value = parseJson(text.trim() === '' ? '{}' : text);
  return isRecord(value) ? value : undefined;
}
