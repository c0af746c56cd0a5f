/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type BatchCompleteInput = {
  detectSimilar?: boolean | null | undefined;
  maxTokens?: number | null | undefined;
  model?: string | null | undefined;
  optimize?: boolean | null | undefined;
  prompts: Array<string>;
  provider?: string | null | undefined;
  similarityThreshold?: number | null | undefined;
  systemMessage?: string | null | undefined;
  temperature?: number | null | undefined;
};

export type CachePolicyInput = {
  /** Look the request up in the cache (default true) */
  read?: boolean | null | undefined;
  /** Overrides REDIS_CACHE_TTL for this entry */
  ttlSeconds?: number | null | undefined;
  /** Store the answer (default true) */
  write?: boolean | null | undefined;
};

export type ChatMessageInput = {
  /** The text; or give parts */
  content?: string | null | undefined;
  /** Text and image parts, in order */
  parts?: Array<ContentPartInput> | null | undefined;
  role: ChatRole;
  /** Tool messages: the call this is the result of */
  toolCallId?: string | null | undefined;
  /** Assistant messages: the tool calls the model made */
  toolCalls?: Array<ToolCallInput> | null | undefined;
};

export type ChatRole =
  | 'assistant'
  | 'system'
  | 'tool'
  | 'user';

export type CompletionInput = {
  aggressive?: boolean | null | undefined;
  cache?: CachePolicyInput | null | undefined;
  /** Generation parameters the provider documents that have no field here */
  extra?: unknown;
  /** Providers to try in order when this one fails */
  fallback?: Array<string> | null | undefined;
  frequencyPenalty?: number | null | undefined;
  maxTokens?: number | null | undefined;
  messages?: Array<ChatMessageInput> | null | undefined;
  model?: string | null | undefined;
  /** Prompt optimization for this request (default from ENABLE_OPTIMIZATION) */
  optimize?: boolean | null | undefined;
  parallelToolCalls?: boolean | null | undefined;
  presencePenalty?: number | null | undefined;
  prompt?: string | null | undefined;
  /** Default: the configured default provider */
  provider?: string | null | undefined;
  responseFormat?: ResponseFormatInput | null | undefined;
  seed?: number | null | undefined;
  stop?: Array<string> | null | undefined;
  systemMessage?: string | null | undefined;
  temperature?: number | null | undefined;
  /** Deadline for the whole request, in milliseconds */
  timeoutMs?: number | null | undefined;
  toolChoice?: ToolChoiceInput | null | undefined;
  tools?: Array<ToolInput> | null | undefined;
  topP?: number | null | undefined;
  /** The end user, for the provider's abuse monitoring */
  user?: string | null | undefined;
};

export type ContentPartInput = {
  detail?: ImageDetail | null | undefined;
  /** For type image: an https URL or a base64 data URL (data:image/png;base64,...) */
  imageUrl?: string | null | undefined;
  /** For type text */
  text?: string | null | undefined;
  type: ContentPartType;
};

export type ContentPartType =
  | 'image'
  | 'text';

export type ImageDetail =
  | 'auto'
  | 'high'
  | 'low';

export type MultiProviderInput = {
  aggressive?: boolean | null | undefined;
  cache?: CachePolicyInput | null | undefined;
  /** Generation parameters the provider documents that have no field here */
  extra?: unknown;
  frequencyPenalty?: number | null | undefined;
  maxTokens?: number | null | undefined;
  messages?: Array<ChatMessageInput> | null | undefined;
  /** Model per provider, e.g. {"openai": "gpt-4o"} */
  models?: unknown;
  /** Prompt optimization for this request (default from ENABLE_OPTIMIZATION) */
  optimize?: boolean | null | undefined;
  parallelToolCalls?: boolean | null | undefined;
  presencePenalty?: number | null | undefined;
  prompt?: string | null | undefined;
  providers: Array<string>;
  responseFormat?: ResponseFormatInput | null | undefined;
  seed?: number | null | undefined;
  stop?: Array<string> | null | undefined;
  systemMessage?: string | null | undefined;
  temperature?: number | null | undefined;
  /** Deadline for the whole request, in milliseconds */
  timeoutMs?: number | null | undefined;
  toolChoice?: ToolChoiceInput | null | undefined;
  tools?: Array<ToolInput> | null | undefined;
  topP?: number | null | undefined;
  /** The end user, for the provider's abuse monitoring */
  user?: string | null | undefined;
};

export type ResponseFormatInput = {
  description?: string | null | undefined;
  /** json_schema: the schema name */
  name?: string | null | undefined;
  /** json_schema: the JSON schema the answer follows */
  schema?: unknown;
  strict?: boolean | null | undefined;
  type: ResponseFormatType;
};

export type ResponseFormatType =
  | 'json_object'
  | 'json_schema'
  | 'text';

export type Role =
  | 'admin'
  | 'user';

export type ToolCallInput = {
  /** The arguments as a JSON text */
  arguments: string;
  id: string;
  name: string;
};

export type ToolChoiceInput = {
  mode: ToolChoiceMode;
  /** With mode tool: the tool that must be called */
  name?: string | null | undefined;
};

export type ToolChoiceMode =
  | 'auto'
  | 'none'
  | 'required'
  | 'tool';

export type ToolInput = {
  description?: string | null | undefined;
  name: string;
  /** A JSON schema of the arguments */
  parameters?: unknown;
  strict?: boolean | null | undefined;
};

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login: { accessToken: string, tokenType: string, expiresIn: string } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { userId: string, username: string, role: Role, via: string } };

export type CacheOverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type CacheOverviewQuery = { cacheStats: { enabled: boolean, backend: string, hits: number, misses: number, writes: number, coalesced: number, hitRatePercent: number, entries: number, bytes: number }, cacheMemory: { totalMemoryBytes: number, usedMemoryBytes: number, memoryUsagePercent: number, keysCount: number }, cacheHealth: { status: string, backend: string, redisConnected: boolean, responseTimeMs: number | null, circuitBreaker: string, error: string | null } };

export type ClearCacheMutationVariables = Exact<{
  provider?: string | null | undefined;
  model?: string | null | undefined;
}>;


export type ClearCacheMutation = { clearCache: number };

export type CompletionMutationVariables = Exact<{
  input: CompletionInput;
}>;


export type CompletionMutation = { completion: { status: string, provider: string, model: string, providerLabel: string, response: string, finishReason: string | null, tokensUsed: number, inputTokens: number, outputTokens: number, estimatedCost: number | null, costEstimated: boolean, latencyMs: number, cached: boolean, optimized: boolean, tokensSaved: number, failedOver: Array<string>, warnings: Array<string>, toolCalls: Array<{ id: string, name: string, arguments: string }>, usageDetails: { cachedInputTokens: number, cacheWriteTokens: number, reasoningTokens: number } } };

export type MultiProviderMutationVariables = Exact<{
  input: MultiProviderInput;
}>;


export type MultiProviderMutation = { multiProvider: { prompt: string | null, successCount: number, errorCount: number, totalEstimatedCost: number | null, responses: Array<{ provider: string, status: string, result: { response: string, model: string, estimatedCost: number | null, tokensUsed: number, finishReason: string | null, toolCalls: Array<{ id: string, name: string, arguments: string }> } | null, error: { code: string, message: string } | null }> } };

export type ProvidersQueryVariables = Exact<{ [key: string]: never; }>;


export type ProvidersQuery = { providers: Array<{ name: string, label: string, models: Array<string>, defaultModel: string, maxTokens: number, configured: boolean, features: Array<string> }>, providerHealth: Array<{ provider: string, status: string, apiKeyConfigured: boolean, circuitBreaker: string, availableModels: Array<string> }> };

export type OptimizePromptMutationVariables = Exact<{
  prompt: string;
  systemMessage?: string | null | undefined;
  aggressive?: boolean | null | undefined;
}>;


export type OptimizePromptMutation = { optimizePrompt: { optimizedPrompt: string, optimizedSystemMessage: string | null, stats: { originalLength: number, optimizedLength: number, tokensSaved: number, reductionPercentage: number, strategiesApplied: Array<string> } } };

export type OptimizationAdviceQueryVariables = Exact<{
  prompt: string;
}>;


export type OptimizationAdviceQuery = { optimizationRecommendations: { recommendations: Array<string>, hasOptimizationOpportunities: boolean }, optimizationEstimate: { estimatedTokensSaved: number, mode: string } };

export type BatchOptimizeMutationVariables = Exact<{
  prompts: Array<string> | string;
  detectSimilar?: boolean | null | undefined;
}>;


export type BatchOptimizeMutation = { batchOptimize: { optimizationMap: unknown, groups: Array<{ id: string, indices: Array<number>, representative: string }>, stats: { originalPrompts: number, groupedPrompts: number, apiCallsSaved: number, costSavingsPercentage: number } } };

export type BatchAnalysisQueryVariables = Exact<{
  prompts: Array<string> | string;
  threshold?: number | null | undefined;
}>;


export type BatchAnalysisQuery = { batchEstimate: { originalCount: number, estimatedOptimizedCount: number, apiCallsSaved: number, costSavingsPercentage: number }, batchSimilarity: Array<{ prompt1Index: number, prompt2Index: number, similarityScore: number, isMatch: boolean }> };

export type BatchCompleteMutationVariables = Exact<{
  input: BatchCompleteInput;
}>;


export type BatchCompleteMutation = { batchComplete: { apiCallsMade: number, apiCallsSaved: number, totalEstimatedCost: number | null, results: Array<{ index: number, groupId: string, status: string, result: { response: string, cached: boolean } | null }> } };

export type StreamCompletionSubscriptionVariables = Exact<{
  input: CompletionInput;
  chunkSize?: number | null | undefined;
}>;


export type StreamCompletionSubscription = { streamCompletion: { chunkId: number, content: string, tokensEstimated: number, isComplete: boolean, toolCalls: Array<{ index: number, id: string | null, name: string | null, arguments: string | null }> | null, result: { provider: string, model: string, response: string, finishReason: string | null, tokensUsed: number, inputTokens: number, outputTokens: number, estimatedCost: number | null, cached: boolean, toolCalls: Array<{ id: string, name: string, arguments: string }>, usageDetails: { cachedInputTokens: number, cacheWriteTokens: number, reasoningTokens: number } } | null } };


export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"password"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"password"},"value":{"kind":"Variable","name":{"kind":"Name","value":"password"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"tokenType"}},{"kind":"Field","name":{"kind":"Name","value":"expiresIn"}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"via"}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const CacheOverviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CacheOverview"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cacheStats"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"backend"}},{"kind":"Field","name":{"kind":"Name","value":"hits"}},{"kind":"Field","name":{"kind":"Name","value":"misses"}},{"kind":"Field","name":{"kind":"Name","value":"writes"}},{"kind":"Field","name":{"kind":"Name","value":"coalesced"}},{"kind":"Field","name":{"kind":"Name","value":"hitRatePercent"}},{"kind":"Field","name":{"kind":"Name","value":"entries"}},{"kind":"Field","name":{"kind":"Name","value":"bytes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cacheMemory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalMemoryBytes"}},{"kind":"Field","name":{"kind":"Name","value":"usedMemoryBytes"}},{"kind":"Field","name":{"kind":"Name","value":"memoryUsagePercent"}},{"kind":"Field","name":{"kind":"Name","value":"keysCount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cacheHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"backend"}},{"kind":"Field","name":{"kind":"Name","value":"redisConnected"}},{"kind":"Field","name":{"kind":"Name","value":"responseTimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"circuitBreaker"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<CacheOverviewQuery, CacheOverviewQueryVariables>;
export const ClearCacheDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClearCache"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"provider"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clearCache"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"Variable","name":{"kind":"Name","value":"provider"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}]}]}}]} as unknown as DocumentNode<ClearCacheMutation, ClearCacheMutationVariables>;
export const CompletionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Completion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"completion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"providerLabel"}},{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tokensUsed"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"usageDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheWriteTokens"}},{"kind":"Field","name":{"kind":"Name","value":"reasoningTokens"}}]}},{"kind":"Field","name":{"kind":"Name","value":"estimatedCost"}},{"kind":"Field","name":{"kind":"Name","value":"costEstimated"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"cached"}},{"kind":"Field","name":{"kind":"Name","value":"optimized"}},{"kind":"Field","name":{"kind":"Name","value":"tokensSaved"}},{"kind":"Field","name":{"kind":"Name","value":"failedOver"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}}]}}]}}]} as unknown as DocumentNode<CompletionMutation, CompletionMutationVariables>;
export const MultiProviderDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MultiProvider"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MultiProviderInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"multiProvider"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"successCount"}},{"kind":"Field","name":{"kind":"Name","value":"errorCount"}},{"kind":"Field","name":{"kind":"Name","value":"totalEstimatedCost"}},{"kind":"Field","name":{"kind":"Name","value":"responses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedCost"}},{"kind":"Field","name":{"kind":"Name","value":"tokensUsed"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MultiProviderMutation, MultiProviderMutationVariables>;
export const ProvidersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Providers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"providers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"models"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}},{"kind":"Field","name":{"kind":"Name","value":"maxTokens"}},{"kind":"Field","name":{"kind":"Name","value":"configured"}},{"kind":"Field","name":{"kind":"Name","value":"features"}}]}},{"kind":"Field","name":{"kind":"Name","value":"providerHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"apiKeyConfigured"}},{"kind":"Field","name":{"kind":"Name","value":"circuitBreaker"}},{"kind":"Field","name":{"kind":"Name","value":"availableModels"}}]}}]}}]} as unknown as DocumentNode<ProvidersQuery, ProvidersQueryVariables>;
export const OptimizePromptDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"OptimizePrompt"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"systemMessage"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"aggressive"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"optimizePrompt"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}}},{"kind":"Argument","name":{"kind":"Name","value":"systemMessage"},"value":{"kind":"Variable","name":{"kind":"Name","value":"systemMessage"}}},{"kind":"Argument","name":{"kind":"Name","value":"aggressive"},"value":{"kind":"Variable","name":{"kind":"Name","value":"aggressive"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"optimizedPrompt"}},{"kind":"Field","name":{"kind":"Name","value":"optimizedSystemMessage"}},{"kind":"Field","name":{"kind":"Name","value":"stats"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"originalLength"}},{"kind":"Field","name":{"kind":"Name","value":"optimizedLength"}},{"kind":"Field","name":{"kind":"Name","value":"tokensSaved"}},{"kind":"Field","name":{"kind":"Name","value":"reductionPercentage"}},{"kind":"Field","name":{"kind":"Name","value":"strategiesApplied"}}]}}]}}]}}]} as unknown as DocumentNode<OptimizePromptMutation, OptimizePromptMutationVariables>;
export const OptimizationAdviceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OptimizationAdvice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"optimizationRecommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recommendations"}},{"kind":"Field","name":{"kind":"Name","value":"hasOptimizationOpportunities"}}]}},{"kind":"Field","name":{"kind":"Name","value":"optimizationEstimate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompt"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"estimatedTokensSaved"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}}]}}]}}]} as unknown as DocumentNode<OptimizationAdviceQuery, OptimizationAdviceQueryVariables>;
export const BatchOptimizeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BatchOptimize"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompts"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"detectSimilar"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"batchOptimize"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompts"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompts"}}},{"kind":"Argument","name":{"kind":"Name","value":"detectSimilar"},"value":{"kind":"Variable","name":{"kind":"Name","value":"detectSimilar"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"optimizationMap"}},{"kind":"Field","name":{"kind":"Name","value":"groups"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"indices"}},{"kind":"Field","name":{"kind":"Name","value":"representative"}}]}},{"kind":"Field","name":{"kind":"Name","value":"stats"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"originalPrompts"}},{"kind":"Field","name":{"kind":"Name","value":"groupedPrompts"}},{"kind":"Field","name":{"kind":"Name","value":"apiCallsSaved"}},{"kind":"Field","name":{"kind":"Name","value":"costSavingsPercentage"}}]}}]}}]}}]} as unknown as DocumentNode<BatchOptimizeMutation, BatchOptimizeMutationVariables>;
export const BatchAnalysisDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BatchAnalysis"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"prompts"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"threshold"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Float"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"batchEstimate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompts"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompts"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"originalCount"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedOptimizedCount"}},{"kind":"Field","name":{"kind":"Name","value":"apiCallsSaved"}},{"kind":"Field","name":{"kind":"Name","value":"costSavingsPercentage"}}]}},{"kind":"Field","name":{"kind":"Name","value":"batchSimilarity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"prompts"},"value":{"kind":"Variable","name":{"kind":"Name","value":"prompts"}}},{"kind":"Argument","name":{"kind":"Name","value":"similarityThreshold"},"value":{"kind":"Variable","name":{"kind":"Name","value":"threshold"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"prompt1Index"}},{"kind":"Field","name":{"kind":"Name","value":"prompt2Index"}},{"kind":"Field","name":{"kind":"Name","value":"similarityScore"}},{"kind":"Field","name":{"kind":"Name","value":"isMatch"}}]}}]}}]} as unknown as DocumentNode<BatchAnalysisQuery, BatchAnalysisQueryVariables>;
export const BatchCompleteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BatchComplete"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BatchCompleteInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"batchComplete"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiCallsMade"}},{"kind":"Field","name":{"kind":"Name","value":"apiCallsSaved"}},{"kind":"Field","name":{"kind":"Name","value":"totalEstimatedCost"}},{"kind":"Field","name":{"kind":"Name","value":"results"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"groupId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"cached"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BatchCompleteMutation, BatchCompleteMutationVariables>;
export const StreamCompletionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"StreamCompletion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"chunkSize"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"streamCompletion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}},{"kind":"Argument","name":{"kind":"Name","value":"chunkSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"chunkSize"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chunkId"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"tokensEstimated"}},{"kind":"Field","name":{"kind":"Name","value":"isComplete"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tokensUsed"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"usageDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cacheWriteTokens"}},{"kind":"Field","name":{"kind":"Name","value":"reasoningTokens"}}]}},{"kind":"Field","name":{"kind":"Name","value":"estimatedCost"}},{"kind":"Field","name":{"kind":"Name","value":"cached"}}]}}]}}]}}]} as unknown as DocumentNode<StreamCompletionSubscription, StreamCompletionSubscriptionVariables>;