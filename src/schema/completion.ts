import type { CompletionInput, CompletionResult } from '../gateway/gateway.js';
import { multiProvider, type MultiProviderResult, type ProviderOutcome } from '../gateway/multi-provider.js';
import { requireViewer } from '../auth/auth-service.js';
import { builder } from './builder.js';

const ChatRoleEnum = builder.enumType('ChatRole', { values: ['system', 'user', 'assistant'] as const });

const ChatMessageInput = builder.inputType('ChatMessageInput', {
  fields: (t) => ({
    role: t.field({ type: ChatRoleEnum, required: true }),
    content: t.string({ required: true }),
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
  extra: t.field({ type: 'JSON', description: 'Provider-specific parameters passed through' }),
  optimize: t.boolean({ description: 'Prompt optimization for this request (default from ENABLE_OPTIMIZATION)' }),
  aggressive: t.boolean(),
  cache: t.field({ type: CachePolicyInput }),
  timeoutMs: t.int(),
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

type CommonArgs = {
  prompt?: string | null; systemMessage?: string | null; messages?: { role: 'system' | 'user' | 'assistant'; content: string }[] | null;
  maxTokens?: number | null; temperature?: number | null; topP?: number | null; stop?: string[] | null; extra?: unknown;
  optimize?: boolean | null; aggressive?: boolean | null; cache?: { read?: boolean | null; write?: boolean | null; ttlSeconds?: number | null } | null;
  timeoutMs?: number | null;
};

const u = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/**
 * The gateway's input from the common arguments, with the route (provider, model, fallback)
 * where the field has one. One literal: `{ ...toInput(a), provider }` would be the
 * `{ ...x, newField }` shape that outlives young-generation GC on Node 20 (Gateway.recordCall).
 */
export function toInput(a: CommonArgs, route: Pick<CompletionInput, 'provider' | 'model' | 'fallback'> = {}): CompletionInput {
  return {
    provider: route.provider,
    model: route.model,
    fallback: route.fallback,
    prompt: u(a.prompt),
    systemMessage: u(a.systemMessage),
    messages: u(a.messages),
    maxTokens: u(a.maxTokens),
    temperature: u(a.temperature),
    topP: u(a.topP),
    stop: u(a.stop),
    extra: a.extra && typeof a.extra === 'object' ? (a.extra as Record<string, unknown>) : undefined,
    optimize: u(a.optimize),
    aggressive: u(a.aggressive),
    cache: a.cache ? { read: u(a.cache.read), write: u(a.cache.write), ttlSeconds: u(a.cache.ttlSeconds) } : undefined,
    timeoutMs: u(a.timeoutMs),
  };
}

export const CompletionResultRef = builder.objectRef<CompletionResult>('CompletionResult').implement({
  fields: (t) => ({
    status: t.string({ resolve: () => 'success' }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    providerLabel: t.exposeString('providerLabel'),
    response: t.exposeString('response'),
    finishReason: t.exposeString('finishReason', { nullable: true }),
    tokensUsed: t.exposeInt('tokensUsed'),
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
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
