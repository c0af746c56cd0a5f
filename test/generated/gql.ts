/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation Login($username: String!, $password: String!) {\n  login(username: $username, password: $password) {\n    accessToken\n    tokenType\n    expiresIn\n  }\n}\n\nquery Me {\n  me {\n    userId\n    username\n    role\n    via\n  }\n}": typeof types.LoginDocument,
    "query CacheOverview {\n  cacheStats {\n    enabled\n    backend\n    hits\n    misses\n    writes\n    coalesced\n    hitRatePercent\n    entries\n    bytes\n  }\n  cacheMemory {\n    totalMemoryBytes\n    usedMemoryBytes\n    memoryUsagePercent\n    keysCount\n  }\n  cacheHealth {\n    status\n    backend\n    redisConnected\n    responseTimeMs\n    circuitBreaker\n    error\n  }\n}\n\nmutation ClearCache($provider: String, $model: String) {\n  clearCache(provider: $provider, model: $model)\n}": typeof types.CacheOverviewDocument,
    "mutation Completion($input: CompletionInput!) {\n  completion(input: $input) {\n    status\n    provider\n    model\n    providerLabel\n    response\n    finishReason\n    tokensUsed\n    inputTokens\n    outputTokens\n    estimatedCost\n    costEstimated\n    latencyMs\n    cached\n    optimized\n    tokensSaved\n    failedOver\n    warnings\n  }\n}\n\nmutation MultiProvider($input: MultiProviderInput!) {\n  multiProvider(input: $input) {\n    prompt\n    successCount\n    errorCount\n    totalEstimatedCost\n    responses {\n      provider\n      status\n      result {\n        response\n        model\n        estimatedCost\n        tokensUsed\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}\n\nquery Providers {\n  providers {\n    name\n    label\n    models\n    defaultModel\n    maxTokens\n    configured\n  }\n  providerHealth {\n    provider\n    status\n    apiKeyConfigured\n    circuitBreaker\n    availableModels\n  }\n}": typeof types.CompletionDocument,
    "subscription StreamCompletion($input: CompletionInput!, $chunkSize: Int) {\n  streamCompletion(input: $input, chunkSize: $chunkSize) {\n    chunkId\n    content\n    tokensEstimated\n    isComplete\n    result {\n      provider\n      model\n      response\n      tokensUsed\n      inputTokens\n      outputTokens\n      estimatedCost\n      cached\n    }\n  }\n}": typeof types.StreamCompletionDocument,
};
const documents: Documents = {
    "mutation Login($username: String!, $password: String!) {\n  login(username: $username, password: $password) {\n    accessToken\n    tokenType\n    expiresIn\n  }\n}\n\nquery Me {\n  me {\n    userId\n    username\n    role\n    via\n  }\n}": types.LoginDocument,
    "query CacheOverview {\n  cacheStats {\n    enabled\n    backend\n    hits\n    misses\n    writes\n    coalesced\n    hitRatePercent\n    entries\n    bytes\n  }\n  cacheMemory {\n    totalMemoryBytes\n    usedMemoryBytes\n    memoryUsagePercent\n    keysCount\n  }\n  cacheHealth {\n    status\n    backend\n    redisConnected\n    responseTimeMs\n    circuitBreaker\n    error\n  }\n}\n\nmutation ClearCache($provider: String, $model: String) {\n  clearCache(provider: $provider, model: $model)\n}": types.CacheOverviewDocument,
    "mutation Completion($input: CompletionInput!) {\n  completion(input: $input) {\n    status\n    provider\n    model\n    providerLabel\n    response\n    finishReason\n    tokensUsed\n    inputTokens\n    outputTokens\n    estimatedCost\n    costEstimated\n    latencyMs\n    cached\n    optimized\n    tokensSaved\n    failedOver\n    warnings\n  }\n}\n\nmutation MultiProvider($input: MultiProviderInput!) {\n  multiProvider(input: $input) {\n    prompt\n    successCount\n    errorCount\n    totalEstimatedCost\n    responses {\n      provider\n      status\n      result {\n        response\n        model\n        estimatedCost\n        tokensUsed\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}\n\nquery Providers {\n  providers {\n    name\n    label\n    models\n    defaultModel\n    maxTokens\n    configured\n  }\n  providerHealth {\n    provider\n    status\n    apiKeyConfigured\n    circuitBreaker\n    availableModels\n  }\n}": types.CompletionDocument,
    "subscription StreamCompletion($input: CompletionInput!, $chunkSize: Int) {\n  streamCompletion(input: $input, chunkSize: $chunkSize) {\n    chunkId\n    content\n    tokensEstimated\n    isComplete\n    result {\n      provider\n      model\n      response\n      tokensUsed\n      inputTokens\n      outputTokens\n      estimatedCost\n      cached\n    }\n  }\n}": types.StreamCompletionDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Login($username: String!, $password: String!) {\n  login(username: $username, password: $password) {\n    accessToken\n    tokenType\n    expiresIn\n  }\n}\n\nquery Me {\n  me {\n    userId\n    username\n    role\n    via\n  }\n}"): (typeof documents)["mutation Login($username: String!, $password: String!) {\n  login(username: $username, password: $password) {\n    accessToken\n    tokenType\n    expiresIn\n  }\n}\n\nquery Me {\n  me {\n    userId\n    username\n    role\n    via\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CacheOverview {\n  cacheStats {\n    enabled\n    backend\n    hits\n    misses\n    writes\n    coalesced\n    hitRatePercent\n    entries\n    bytes\n  }\n  cacheMemory {\n    totalMemoryBytes\n    usedMemoryBytes\n    memoryUsagePercent\n    keysCount\n  }\n  cacheHealth {\n    status\n    backend\n    redisConnected\n    responseTimeMs\n    circuitBreaker\n    error\n  }\n}\n\nmutation ClearCache($provider: String, $model: String) {\n  clearCache(provider: $provider, model: $model)\n}"): (typeof documents)["query CacheOverview {\n  cacheStats {\n    enabled\n    backend\n    hits\n    misses\n    writes\n    coalesced\n    hitRatePercent\n    entries\n    bytes\n  }\n  cacheMemory {\n    totalMemoryBytes\n    usedMemoryBytes\n    memoryUsagePercent\n    keysCount\n  }\n  cacheHealth {\n    status\n    backend\n    redisConnected\n    responseTimeMs\n    circuitBreaker\n    error\n  }\n}\n\nmutation ClearCache($provider: String, $model: String) {\n  clearCache(provider: $provider, model: $model)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Completion($input: CompletionInput!) {\n  completion(input: $input) {\n    status\n    provider\n    model\n    providerLabel\n    response\n    finishReason\n    tokensUsed\n    inputTokens\n    outputTokens\n    estimatedCost\n    costEstimated\n    latencyMs\n    cached\n    optimized\n    tokensSaved\n    failedOver\n    warnings\n  }\n}\n\nmutation MultiProvider($input: MultiProviderInput!) {\n  multiProvider(input: $input) {\n    prompt\n    successCount\n    errorCount\n    totalEstimatedCost\n    responses {\n      provider\n      status\n      result {\n        response\n        model\n        estimatedCost\n        tokensUsed\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}\n\nquery Providers {\n  providers {\n    name\n    label\n    models\n    defaultModel\n    maxTokens\n    configured\n  }\n  providerHealth {\n    provider\n    status\n    apiKeyConfigured\n    circuitBreaker\n    availableModels\n  }\n}"): (typeof documents)["mutation Completion($input: CompletionInput!) {\n  completion(input: $input) {\n    status\n    provider\n    model\n    providerLabel\n    response\n    finishReason\n    tokensUsed\n    inputTokens\n    outputTokens\n    estimatedCost\n    costEstimated\n    latencyMs\n    cached\n    optimized\n    tokensSaved\n    failedOver\n    warnings\n  }\n}\n\nmutation MultiProvider($input: MultiProviderInput!) {\n  multiProvider(input: $input) {\n    prompt\n    successCount\n    errorCount\n    totalEstimatedCost\n    responses {\n      provider\n      status\n      result {\n        response\n        model\n        estimatedCost\n        tokensUsed\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n}\n\nquery Providers {\n  providers {\n    name\n    label\n    models\n    defaultModel\n    maxTokens\n    configured\n  }\n  providerHealth {\n    provider\n    status\n    apiKeyConfigured\n    circuitBreaker\n    availableModels\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription StreamCompletion($input: CompletionInput!, $chunkSize: Int) {\n  streamCompletion(input: $input, chunkSize: $chunkSize) {\n    chunkId\n    content\n    tokensEstimated\n    isComplete\n    result {\n      provider\n      model\n      response\n      tokensUsed\n      inputTokens\n      outputTokens\n      estimatedCost\n      cached\n    }\n  }\n}"): (typeof documents)["subscription StreamCompletion($input: CompletionInput!, $chunkSize: Int) {\n  streamCompletion(input: $input, chunkSize: $chunkSize) {\n    chunkId\n    content\n    tokensEstimated\n    isComplete\n    result {\n      provider\n      model\n      response\n      tokensUsed\n      inputTokens\n      outputTokens\n      estimatedCost\n      cached\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;