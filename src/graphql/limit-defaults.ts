// The GraphQL document limits and their defaults, apart from the checks (./limits.ts) so that
// the configuration reads them without loading graphql-js at start.
export interface QueryLimits {
  /** Lexical tokens in the document (comments and whitespace are not tokens). */
  maxTokens: number;
  /** Fields nested in one operation, fragments expanded; also fragments spread within fragments. */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded. */
  maxAliases: number;
  /** Fields in one operation, fragments expanded. */
  maxFields: number;
  /** Summed field costs of one operation, fragments expanded (see FIELD_COSTS). */
  maxCost: number;
  /** Operation definitions in one document. */
  maxOperations: number;
}

// The standard introspection query (GraphiQL's, codegen's) is 15 fields deep (its type
// references), selects 230 fields with its fragments expanded and has under 200 tokens;
// the gateway's own operations are at most 4 deep.
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = {
  maxTokens: 5_000,
  maxDepth: 20,
  maxAliases: 30,
  maxFields: 500,
  maxCost: 1_000,
  maxOperations: 10,
};
