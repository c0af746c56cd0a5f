import type { CompletionResult } from '../gateway/gateway.js';
import type { ChatMessageInput as ChatMessageInputT, RawCompletionInput } from '../gateway/completion-input.js';
import { GatewayError } from '../errors.js';
import type { ToolCall } from '../providers/types.js';
import { multiProvider, type MultiProviderResult, type ProviderOutcome } from '../gateway/multi-provider.js';
import { requireViewer } from '../auth/auth-service.js';
import { builder } from './builder.js';

const ChatRoleEnum = builder.enumType('ChatRole', { values: ['system', 'user', 'assistant', 'tool'] as const });
const ContentPartTypeEnum = builder.enumType('ContentPartType', { values: ['text', 'image'] as const });
const ImageDetailEnum = builder.enumType('ImageDetail', { values: ['auto', 'low', 'high'] as const });

const ContentPartInput = builder.inputType('ContentPartInput', {
  fields: (t) => ({
    type: t.field({ type: ContentPartTypeEnum, required: true }),
    text: t.string({ description: 'For type text' }),
    imageUrl: t.string({ description: 'For type image: an https URL or a base64 data URL (data:image/png;base64,...)' }),
    detail: t.field({ type: ImageDetailEnum }),
  }),
});

const ToolCallInput = builder.inputType('ToolCallInput', {
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    arguments: t.string({ required: true, description: 'The arguments as a JSON text' }),
  }),
});

const ChatMessageInput = builder.inputType('ChatMessageInput', {
  fields: (t) => ({
    role: t.field({ type: ChatRoleEnum, required: true }),
    content: t.string({ description: 'The text; or give parts' }),
    parts: t.field({ type: [ContentPartInput], description: 'Text and image parts, in order' }),
    toolCalls: t.field({ type: [ToolCallInput], description: 'Assistant messages: the tool calls the model made' }),
    toolCallId: t.string({ description: 'Tool messages: the call this is the result of' }),
  }),
});

const ToolInput = builder.inputType('ToolInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    parameters: t.field({ type: 'JSON', description: 'A JSON schema of the arguments' }),
    strict: t.boolean(),
  }),
});

const ToolChoiceModeEnum = builder.enumType('ToolChoiceMode', { values: ['auto', 'none', 'required', 'tool'] as const });
const ToolChoiceInput = builder.inputType('ToolChoiceInput', {
  fields: (t) => ({
    mode: t.field({ type: ToolChoiceModeEnum, required: true }),
    name: t.string({ description: 'With mode tool: the tool that must be called' }),
  }),
});

const ResponseFormatTypeEnum = builder.enumType('ResponseFormatType', { values: ['text', 'json_object', 'json_schema'] as const });
const ResponseFormatInput = builder.inputType('ResponseFormatInput', {
  fields: (t) => ({
    type: t.field({ type: ResponseFormatTypeEnum, required: true }),
    name: t.string({ description: 'json_schema: the schema name' }),
    description: t.string(),
    schema: t.field({ type: 'JSON', description: 'json_schema: the JSON schema the answer follows' }),
    strict: t.boolean(),
  }),
});

const CachePolicyInput = builder.inputType('CachePolicyInput', {
  fields: (t) => ({
    read: t.boolean({ description: 'Look the request up in the cache (default true)' }),
    write: t.boolean({ description: 'Store the answer (default true)' }),
    ttlSeconds: t.int({ description: 'Overrides REDIS_CACHE_TTL for this entry' }),
  }),
});

const commonFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  prompt: t.string(),
  systemMessage: t.string(),
  messages: t.field({ type: [ChatMessageInput] }),
  maxTokens: t.int(),
  temperature: t.float(),
  topP: t.float(),
  stop: t.stringList(),
  tools: t.field({ type: [ToolInput] }),
  toolChoice: t.field({ type: ToolChoiceInput }),
  parallelToolCalls: t.boolean(),
  responseFormat: t.field({ type: ResponseFormatInput }),
  seed: t.int(),
  presencePenalty: t.float(),
  frequencyPenalty: t.float(),
  user: t.string({ description: 'The end user, for the provider\'s abuse monitoring' }),
  extra: t.field({ type: 'JSON', description: 'Generation parameters the provider documents that have no field here' }),
  optimize: t.boolean({ description: 'Prompt optimization for this request (default from ENABLE_OPTIMIZATION)' }),
  aggressive: t.boolean(),
  cache: t.field({ type: CachePolicyInput }),
  timeoutMs: t.int({ description: 'Deadline for the whole request, in milliseconds' }),
});

export const CompletionInputType = builder.inputType('CompletionInput', {
  fields: (t) => ({
    provider: t.string({ description: 'Default: the configured default provider' }),
    model: t.string(),
    fallback: t.stringList({ description: 'Providers to try in order when this one fails' }),
    ...commonFields(t),
  }),
});

const MultiProviderInputType = builder.inputType('MultiProviderInput', {
  fields: (t) => ({
    providers: t.stringList({ required: true }),
    models: t.field({ type: 'JSON', description: 'Model per provider, e.g. {"openai": "gpt-4o"}' }),
    ...commonFields(t),
  }),
});

type Maybe<T> = T | null | undefined;
type MessageArgs = {
  role: 'system' | 'user' | 'assistant' | 'tool'; content?: Maybe<string>;
  parts?: Maybe<{ type: 'text' | 'image'; text?: Maybe<string>; imageUrl?: Maybe<string>; detail?: Maybe<'auto' | 'low' | 'high'> }[]>;
  toolCalls?: Maybe<{ id: string; name: string; arguments: string }[]>; toolCallId?: Maybe<string>;
};
type CommonArgs = {
  prompt?: Maybe<string>; systemMessage?: Maybe<string>; messages?: Maybe<MessageArgs[]>;
  maxTokens?: Maybe<number>; temperature?: Maybe<number>; topP?: Maybe<number>; stop?: Maybe<string[]>;
  tools?: Maybe<{ name: string; description?: Maybe<string>; parameters?: unknown; strict?: Maybe<boolean> }[]>;
  toolChoice?: Maybe<{ mode: 'auto' | 'none' | 'required' | 'tool'; name?: Maybe<string> }>; parallelToolCalls?: Maybe<boolean>;
  responseFormat?: Maybe<{ type: 'text' | 'json_object' | 'json_schema'; name?: Maybe<string>; description?: Maybe<string>; schema?: unknown; strict?: Maybe<boolean> }>;
  seed?: Maybe<number>; presencePenalty?: Maybe<number>; frequencyPenalty?: Maybe<number>; user?: Maybe<string>; extra?: unknown;
  optimize?: Maybe<boolean>; aggressive?: Maybe<boolean>; cache?: Maybe<{ read?: Maybe<boolean>; write?: Maybe<boolean>; ttlSeconds?: Maybe<number> }>;
  timeoutMs?: Maybe<number>;
};

const u = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** An object without its undefined fields (the gateway's validation reads absent and undefined alike, the cache key too). */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function messageInput(m: MessageArgs): ChatMessageInputT {
  const content = m.parts
    ? m.parts.map((p) => (p.type === 'text' ? { type: 'text' as const, text: p.text as string } : compact({ type: 'image' as const, url: p.imageUrl as string, detail: u(p.detail) })))
    : (m.content ?? (m.toolCalls ? '' : (undefined as never)));
  if (m.parts && m.content != null) throw new GatewayError('VALIDATION_ERROR', 'messages: give content or parts, not both', { details: { field: 'messages' } });
  return compact({ role: m.role, content, toolCalls: u(m.toolCalls), toolCallId: u(m.toolCallId) });
}

/** The gateway's input from the GraphQL arguments: names only; the gateway validates. */
export function toInput(a: CommonArgs, route: Pick<RawCompletionInput, 'provider' | 'model' | 'fallback'> = {}): RawCompletionInput {
  const choice = a.toolChoice;
  const format = a.responseFormat;
  return compact({
    provider: route.provider,
    model: route.model,
    fallback: route.fallback,
    prompt: u(a.prompt),
    systemMessage: u(a.systemMessage),
    messages: a.messages?.map(messageInput),
    maxTokens: u(a.maxTokens),
    temperature: u(a.temperature),
    topP: u(a.topP),
    stop: u(a.stop),
    tools: a.tools?.map((t) => compact({ name: t.name, description: u(t.description), parameters: t.parameters as Record<string, unknown> | undefined, strict: u(t.strict) })),
    toolChoice: choice ? (choice.mode === 'tool' ? { name: choice.name as string } : choice.mode) : undefined,
    parallelToolCalls: u(a.parallelToolCalls),
    responseFormat: format
      ? (compact({ type: format.type, name: u(format.name), description: u(format.description), schema: format.schema, strict: u(format.strict) }) as RawCompletionInput['responseFormat'])
      : undefined,
    seed: u(a.seed),
    presencePenalty: u(a.presencePenalty),
    frequencyPenalty: u(a.frequencyPenalty),
    user: u(a.user),
    extra: a.extra === null ? undefined : (a.extra as Record<string, unknown> | undefined),
    optimize: u(a.optimize),
    aggressive: u(a.aggressive),
    cache: a.cache ? compact({ read: u(a.cache.read), write: u(a.cache.write), ttlSeconds: u(a.cache.ttlSeconds) }) : undefined,
    timeoutMs: u(a.timeoutMs),
  });
}

export const ToolCallRef = builder.objectRef<ToolCall>('ToolCall').implement({
  description: 'A function call the model asked for',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Send it back as toolCallId with the result' }),
    name: t.exposeString('name'),
    arguments: t.exposeString('arguments', { description: 'The arguments as a JSON text' }),
  }),
});

const UsageDetailsRef = builder.objectRef<CompletionResult>('UsageDetails').implement({
  description: 'Parts of inputTokens and outputTokens the provider bills at their own rates (0 when not reported)',
  fields: (t) => ({
    cachedInputTokens: t.exposeInt('cachedInputTokens', { description: 'Input read from the provider\'s prompt cache' }),
    cacheWriteTokens: t.exposeInt('cacheWriteTokens', { description: 'Input written to the provider\'s prompt cache' }),
    reasoningTokens: t.exposeInt('reasoningTokens', { description: 'Output spent on reasoning' }),
  }),
});

export const CompletionResultRef = builder.objectRef<CompletionResult>('CompletionResult').implement({
  fields: (t) => ({
    status: t.string({ resolve: () => 'success' }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    providerLabel: t.exposeString('providerLabel'),
    response: t.exposeString('response'),
    finishReason: t.exposeString('finishReason', { nullable: true, description: 'stop, length, tool_calls, content_filter or error' }),
    toolCalls: t.field({ type: [ToolCallRef], description: 'The tool calls the model asked for (empty when none)', resolve: (r) => r.toolCalls }),
    tokensUsed: t.exposeInt('tokensUsed'),
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    usageDetails: t.field({ type: UsageDetailsRef, resolve: (r) => r }),
    estimatedCost: t.exposeFloat('estimatedCost', { nullable: true, description: 'USD; null when the model has no known price' }),
    costEstimated: t.exposeBoolean('costEstimated'),
    latencyMs: t.exposeInt('latencyMs'),
    cached: t.exposeBoolean('cached'),
    optimized: t.exposeBoolean('optimized'),
    tokensSaved: t.exposeInt('tokensSaved'),
    failedOver: t.exposeStringList('failedOver'),
    warnings: t.exposeStringList('warnings'),
  }),
});

builder.mutationField('completion', (t) =>
  t.field({
    type: CompletionResultRef,
    args: { input: t.arg({ type: CompletionInputType, required: true }) },
    resolve: (_, { input }, ctx) =>
      ctx.services.gateway.complete(
        toInput(input, { provider: u(input.provider), model: u(input.model), fallback: u(input.fallback) }),
        { viewer: requireViewer(ctx.viewer), source: 'graphql', cancel: ctx.cancel },
      ),
  }),
);

const ProviderErrorRef = builder.objectRef<{ code: string; message: string }>('ProviderError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

const ProviderOutcomeRef = builder.objectRef<ProviderOutcome & { provider: string }>('ProviderOutcome').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    status: t.exposeString('status'),
    result: t.field({ type: CompletionResultRef, nullable: true, resolve: (o) => (o.status === 'success' ? o.result : null) }),
    error: t.field({ type: ProviderErrorRef, nullable: true, resolve: (o) => (o.status === 'error' ? o.error : null) }),
  }),
});

const MultiProviderResultRef = builder.objectRef<MultiProviderResult>('MultiProviderResult').implement({
  fields: (t) => ({
    prompt: t.exposeString('prompt', { nullable: true }),
    responses: t.field({
      type: [ProviderOutcomeRef],
      resolve: (r) => Object.entries(r.responses).map(([provider, o]) => ({ ...o, provider })),
    }),
    successCount: t.exposeInt('successCount'),
    errorCount: t.exposeInt('errorCount'),
    totalEstimatedCost: t.exposeFloat('totalEstimatedCost', { nullable: true }),
  }),
});

builder.mutationField('multiProvider', (t) =>
  t.field({
    type: MultiProviderResultRef,
    args: { input: t.arg({ type: MultiProviderInputType, required: true }) },
    resolve: (_, { input }, ctx) => {
      const models = input.models && typeof input.models === 'object' ? (input.models as Record<string, string>) : undefined;
      return multiProvider(ctx.services.gateway, { ...toInput(input), providers: input.providers, models }, {
        viewer: requireViewer(ctx.viewer), source: 'multi', cancel: ctx.cancel,
      });
    },
  }),
);
