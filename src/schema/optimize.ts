import { requireViewer } from '../auth/auth-service.js';
import type { BatchCompleteResult, BatchItem } from '../gateway/batch.js';
import type { BatchEstimate, GroupResult } from '../optimize/batch.js';
import type { SavingsEstimate } from '../optimize/estimate.js';
import type { OptimizeResult } from '../optimize/optimizer.js';
import type { RecommendationResult } from '../optimize/recommendations.js';
import { estimateRequest, optimizeRequest, recommendRequest } from '../optimize/service.js';
import type { SimilarityMatch } from '../optimize/similarity.js';
import { builder } from './builder.js';
import { CompletionResultRef, toInput } from './completion.js';

const OptimizeStatsRef = builder.objectRef<OptimizeResult['stats']>('OptimizeStats').implement({
  fields: (t) => ({
    originalLength: t.exposeInt('originalLength'),
    optimizedLength: t.exposeInt('optimizedLength'),
    originalTokens: t.exposeInt('originalTokens'),
    optimizedTokens: t.exposeInt('optimizedTokens'),
    tokensSaved: t.exposeInt('tokensSaved'),
    reductionPercentage: t.exposeFloat('reductionPercentage'),
    strategiesApplied: t.exposeStringList('strategiesApplied'),
    tokenizer: t.exposeString('tokenizer', { description: "The encoding the counts come from: the target model's family" }),
    tokenizerExact: t.exposeBoolean('tokenizerExact', { description: 'False when the model has its own tokenizer and the counts approximate it' }),
  }),
});

const OptimizeResultRef = builder.objectRef<OptimizeResult>('OptimizeResult').implement({
  fields: (t) => ({
    optimizedPrompt: t.exposeString('optimizedPrompt'),
    optimizedSystemMessage: t.exposeString('optimizedSystemMessage', { nullable: true }),
    stats: t.field({ type: OptimizeStatsRef, resolve: (r) => r.stats }),
  }),
});

const RecommendationsRef = builder.objectRef<RecommendationResult & { prompt: string }>('OptimizationRecommendations').implement({
  fields: (t) => ({
    prompt: t.exposeString('prompt'),
    recommendations: t.exposeStringList('recommendations'),
    hasOptimizationOpportunities: t.exposeBoolean('hasOptimizationOpportunities'),
  }),
});

const SavingsEstimateRef = builder.objectRef<SavingsEstimate>('SavingsEstimate').implement({
  fields: (t) => ({
    originalChars: t.exposeInt('originalChars'),
    estimatedReductionChars: t.exposeInt('estimatedReductionChars'),
    estimatedTokensSaved: t.exposeInt('estimatedTokensSaved'),
    estimatedReductionPercentage: t.exposeFloat('estimatedReductionPercentage'),
    mode: t.exposeString('mode'),
  }),
});

const PromptGroupRef = builder.objectRef<{ id: string; indices: number[]; representative: string }>('PromptGroup').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    indices: t.exposeIntList('indices'),
    representative: t.exposeString('representative'),
  }),
});

const BatchStatsRef = builder.objectRef<GroupResult['stats']>('BatchStats').implement({
  fields: (t) => ({
    originalPrompts: t.exposeInt('originalPrompts'),
    groupedPrompts: t.exposeInt('groupedPrompts'),
    duplicatesDetected: t.exposeInt('duplicatesDetected'),
    apiCallsSaved: t.exposeInt('apiCallsSaved'),
    costSavingsPercentage: t.exposeFloat('costSavingsPercentage'),
  }),
});

const groupsOf = (g: GroupResult) =>
  Object.entries(g.groupedPrompts).map(([id, indices]) => ({ id, indices, representative: g.representativePrompts[id]! }));

const BatchOptimizationRef = builder.objectRef<GroupResult>('BatchOptimization').implement({
  fields: (t) => ({
    optimizationMap: t.field({ type: 'JSON', description: 'Prompt index -> group id', resolve: (g) => g.optimizationMap }),
    groups: t.field({ type: [PromptGroupRef], resolve: groupsOf }),
    stats: t.field({ type: BatchStatsRef, resolve: (g) => g.stats }),
    blockedPairs: t.field({ type: [BlockedPairRef], resolve: (g) => g.blockedPairs }),
  }),
});

const BatchEstimateRef = builder.objectRef<BatchEstimate>('BatchEstimate').implement({
  fields: (t) => ({
    originalCount: t.exposeInt('originalCount'),
    estimatedOptimizedCount: t.exposeInt('estimatedOptimizedCount'),
    apiCallsSaved: t.exposeInt('apiCallsSaved'),
    costSavingsPercentage: t.exposeFloat('costSavingsPercentage'),
  }),
});

const SimilarityMatchRef = builder.objectRef<SimilarityMatch>('SimilarityMatch').implement({
  fields: (t) => ({
    prompt1Index: t.exposeInt('prompt1Index'),
    prompt2Index: t.exposeInt('prompt2Index'),
    similarityScore: t.exposeFloat('similarityScore', { description: '0 when a meaning guard blocked the pair' }),
    isMatch: t.exposeBoolean('isMatch'),
    blockedBy: t.exposeStringList('blockedBy', { description: 'The meaning guards the two prompts differ on (negation, number, unit, date, entity, quoted, language, limiter, polarity)' }),
    scoreBeforeGuards: t.exposeFloat('scoreBeforeGuards'),
  }),
});

const BlockedPairRef = builder.objectRef<GroupResult['blockedPairs'][number]>('BlockedPair').implement({
  description: 'Two prompts similar enough to group that a meaning guard kept apart',
  fields: (t) => ({
    prompt1Index: t.exposeInt('i'),
    prompt2Index: t.exposeInt('j'),
    blockedBy: t.exposeStringList('blockedBy'),
  }),
});

const BatchItemRef = builder.objectRef<BatchItem>('BatchItem').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    groupId: t.exposeString('groupId'),
    answeredByIndex: t.exposeInt('answeredByIndex', { description: 'The prompt whose upstream call produced this answer' }),
    status: t.exposeString('status'),
    result: t.field({ type: CompletionResultRef, nullable: true, resolve: (i) => (i.status === 'success' ? i.result : null) }),
    errorCode: t.string({ nullable: true, resolve: (i) => (i.status === 'error' ? i.error.code : null) }),
    errorMessage: t.string({ nullable: true, resolve: (i) => (i.status === 'error' ? i.error.message : null) }),
  }),
});

const BatchCompleteRef = builder.objectRef<BatchCompleteResult>('BatchCompleteResult').implement({
  fields: (t) => ({
    results: t.field({ type: [BatchItemRef], resolve: (r) => r.results }),
    groups: t.field({ type: [PromptGroupRef], resolve: (r) => groupsOf(r.grouping) }),
    stats: t.field({ type: BatchStatsRef, resolve: (r) => r.grouping.stats }),
    blockedPairs: t.field({ type: [BlockedPairRef], resolve: (r) => r.grouping.blockedPairs }),
    apiCallsMade: t.exposeInt('apiCallsMade'),
    apiCallsSaved: t.exposeInt('apiCallsSaved'),
    totalEstimatedCost: t.exposeFloat('totalEstimatedCost', { nullable: true }),
  }),
});

builder.mutationField('optimizePrompt', (t) =>
  t.field({
    type: OptimizeResultRef,
    args: { prompt: t.arg.string({ required: true }), systemMessage: t.arg.string(), aggressive: t.arg.boolean(), model: t.arg.string() },
    resolve: (_, a) => optimizeRequest({ prompt: a.prompt, systemMessage: a.systemMessage, aggressive: a.aggressive ?? false, model: a.model ?? undefined }),
  }),
);

builder.queryField('optimizationRecommendations', (t) =>
  t.field({
    type: RecommendationsRef,
    args: { prompt: t.arg.string({ required: true }), systemMessage: t.arg.string() },
    resolve: (_, a) => ({ prompt: a.prompt, ...recommendRequest(a.prompt, a.systemMessage) }),
  }),
);

builder.queryField('optimizationEstimate', (t) =>
  t.field({
    type: SavingsEstimateRef,
    args: { prompt: t.arg.string({ required: true }), aggressive: t.arg.boolean(), model: t.arg.string() },
    resolve: (_, a) => estimateRequest(a.prompt, a.aggressive ?? false, a.model ?? undefined),
  }),
);

builder.mutationField('batchOptimize', (t) =>
  t.field({
    type: BatchOptimizationRef,
    args: { prompts: t.arg.stringList({ required: true }), detectSimilar: t.arg.boolean(), similarityThreshold: t.arg.float() },
    resolve: (_, a, { services }) => services.batch.group(a.prompts, a.detectSimilar ?? false, a.similarityThreshold ?? undefined),
  }),
);

builder.queryField('batchEstimate', (t) =>
  t.field({ type: BatchEstimateRef, args: { prompts: t.arg.stringList({ required: true }) }, resolve: (_, a, { services }) => services.batch.estimate(a.prompts) }),
);

builder.queryField('batchSimilarity', (t) =>
  t.field({
    type: [SimilarityMatchRef],
    args: { prompts: t.arg.stringList({ required: true }), similarityThreshold: t.arg.float() },
    resolve: (_, a, { services }) => services.batch.similarity(a.prompts, a.similarityThreshold ?? undefined),
  }),
);

const BatchCompleteInput = builder.inputType('BatchCompleteInput', {
  fields: (t) => ({
    prompts: t.stringList({ required: true }),
    provider: t.string(),
    model: t.string(),
    systemMessage: t.string(),
    maxTokens: t.int(),
    temperature: t.float(),
    optimize: t.boolean(),
    detectSimilar: t.boolean(),
    similarityThreshold: t.float(),
  }),
});

builder.mutationField('batchComplete', (t) =>
  t.field({
    type: BatchCompleteRef,
    description: 'Completes every prompt, sending only one per group of duplicates upstream (through the cache)',
    args: { input: t.arg({ type: BatchCompleteInput, required: true }) },
    resolve: (_, { input }, ctx) =>
      ctx.services.batch.complete(
        {
          ...toInput(input, { provider: input.provider ?? undefined, model: input.model ?? undefined }),
          prompts: input.prompts,
          detectSimilar: input.detectSimilar ?? undefined,
          threshold: input.similarityThreshold ?? undefined,
        },
        { viewer: requireViewer(ctx.viewer), source: 'batch', cancel: ctx.cancel },
      ),
  }),
);
