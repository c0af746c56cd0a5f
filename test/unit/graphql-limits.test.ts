// The document limits (src/graphql/limits.ts) measured on the gateway's schema: what each
// limit refuses, with which code, and that hostile shapes (deep nesting, long fragment
// chains, fragments spread exponentially, cycles) are refused without deep recursion.
import { getIntrospectionQuery, parse, Source } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkDocument, checkSource, DEFAULT_QUERY_LIMITS, FIELD_COSTS, type QueryLimits } from '../../src/graphql/limits.js';
import { GatewayError } from '../../src/errors.js';
import { schema } from '../../src/schema/index.js';

const UNLIMITED: QueryLimits = { maxTokens: 1e9, maxDepth: 100, maxAliases: 1e9, maxFields: 1e9, maxCost: 1e9, maxOperations: 1e9 };

/** The refusal of a document under these limits (null when accepted), checked as the plugin does. */
function refusal(query: string, limits: Partial<QueryLimits> = {}): { code: string; message: string; details?: Record<string, unknown> } | null {
  const all = { ...DEFAULT_QUERY_LIMITS, ...limits };
  try {
    const source = new Source(query);
    checkSource(source, all);
    checkDocument(parse(source), schema, all);
    return null;
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    expect(e.status).toBe(400);
    return { code: e.code, message: e.message, details: e.details };
  }
}

const aliased = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join('\n');

/** A chain of n fragments, each spreading the next; the last selects a field. */
function fragmentChain(n: number): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} }`);
  parts.push(`fragment F${n} on Query { health }`);
  return parts.join('\n');
}

describe('document limits', () => {
  it('accept the standard introspection queries (GraphiQL, codegen) and the gateway\'s own operations', () => {
    expect(refusal(getIntrospectionQuery())).toBeNull();
    expect(refusal(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }))).toBeNull();
    expect(refusal('mutation($i: CompletionInput!) { completion(input: $i) { response provider cached inputTokens } }')).toBeNull();
    expect(refusal('query A { me { username } } query B { health } fragment V on Viewer { role }')).toBeNull();
  });

  it('refuse fields nested deeper than maxDepth, counting through fragments', () => {
    // __schema, queryType, n x (fields, type), name: 2n + 3 fields deep.
    const deep = (n: number) => `{ __schema { queryType { ${'fields { type { '.repeat(n)}name${' }'.repeat(2 * n + 2)} }`;
    expect(refusal(deep(2), { maxDepth: 7 })).toBeNull();
    expect(refusal(deep(3), { maxDepth: 7 })).toEqual({
      code: 'QUERY_TOO_DEEP',
      message: 'The operation nests fields 9 levels deep; at most 7 are allowed',
      details: { limit: 7, depth: 9 },
    });
    const viaFragment = 'query Q { __schema { ...S } } fragment S on __Schema { types { fields { type { ofType { ofType { name } } } } } }';
    expect(refusal(viaFragment, { maxDepth: 7 })).toBeNull();
    expect(refusal(viaFragment, { maxDepth: 6 })).toMatchObject({ code: 'QUERY_TOO_DEEP', message: 'Operation "Q" nests fields 7 levels deep; at most 6 are allowed' });
  });

  it('refuse bracket nesting before parsing: 5,000 nested fields or list values are a 400, not a stack overflow', () => {
    const fields = `{ ${'me { '.repeat(5000)}username${' }'.repeat(5000)} }`;
    const limit = DEFAULT_QUERY_LIMITS.maxDepth + 32;
    expect(refusal(fields, { maxTokens: 1e9 })).toEqual({ code: 'QUERY_TOO_DEEP', message: `The document nests brackets more than ${limit} levels deep`, details: { limit } });
    const lists = `{ batchEstimate(prompts: ${'['.repeat(5000)}"x"${']'.repeat(5000)}) { originalCount } }`;
    expect(refusal(lists, { maxTokens: 1e9 })?.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuse more tokens than maxTokens (comments are free, a long string is one token)', () => {
    // Braces and 10 x (alias, colon, name): 32 tokens.
    expect(refusal(`{ ${aliased(10, 'health')} }`, { maxTokens: 32 })).toBeNull();
    expect(refusal(`{ ${aliased(10, 'health')} }`, { maxTokens: 31 })).toEqual({ code: 'QUERY_TOO_LARGE', message: 'The document has more than 31 tokens', details: { limit: 31 } });
    expect(refusal(`# ${'comment '.repeat(10_000)}\n{ health }`, { maxTokens: 3 })).toBeNull();
    expect(refusal(`{ optimizationEstimate(prompt: "${'word '.repeat(10_000)}") { originalTokens } }`, { maxTokens: 12 })).toBeNull();
  });

  it('refuse 5,000 chained fragments with a 400 (too large by default, too deep when tokens allow it)', () => {
    expect(refusal(fragmentChain(5000))).toEqual({ code: 'QUERY_TOO_LARGE', message: 'The document has more than 5000 tokens', details: { limit: 5000 } });
    expect(refusal(fragmentChain(5000), { maxTokens: 1e9 })).toMatchObject({
      code: 'QUERY_TOO_DEEP',
      message: 'Fragments spread within each other 5001 levels deep; at most 20 are allowed',
    });
    expect(refusal(fragmentChain(18))).toBeNull();
  });

  it('refuse fragment cycles, short or long, with graphql-js\'s message', () => {
    expect(refusal('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }')).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: 'Cannot spread fragment "A" within itself via "B".',
      details: undefined,
    });
    expect(refusal('query { ...A } fragment A on Query { health ...A }')?.message).toBe('Cannot spread fragment "A" within itself.');
    const ring = ['query { ...F0 }', ...Array.from({ length: 3000 }, (_, i) => `fragment F${i} on Query { ...F${(i + 1) % 3000} }`)].join('\n');
    expect(refusal(ring, { maxTokens: 1e9, maxDepth: 100 })).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: 'Cannot spread fragment "F0" within itself via "F1", "F2", "F3", "F4", "F5", and 2994 more.',
    });
  });

  it('count aliases and fields with fragments expanded, each fragment measured once', () => {
    expect(refusal(`{ ${aliased(30, 'health')} }`)).toBeNull();
    expect(refusal(`{ ${aliased(31, 'health')} }`)).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'aliases', limit: 30, actual: 31 } });
    // Fragments each spreading the next twice: 2^40 fields, measured without walking them.
    const doubling = ['query { ...F0 }', ...Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`), 'fragment F40 on Query { health }'].join('\n');
    expect(refusal(doubling, { maxDepth: 100, maxCost: 2 ** 41 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'fields', limit: 500, actual: 2 ** 40 } });
    expect(refusal(doubling, { maxDepth: 100 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', limit: 1000, actual: 2 ** 40 } });
    const fields = `{ me { ${Array.from({ length: 250 }, () => 'username').join(' ')} } }`;
    expect(refusal(fields, { maxFields: 250 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'fields', actual: 251 } });
  });

  it('cost: 1,000 aliased completions and 300 aliased batchSimilarity are refused; a few provider calls are not', () => {
    const completions = (n: number) => `mutation { ${aliased(n, 'completion(input: { prompt: "hi" }) { response }')} }`;
    // By default the document is already too long (14 tokens each)...
    expect(refusal(completions(1000))?.code).toBe('QUERY_TOO_LARGE');
    // ...and each costs 100 for the call and 1 for the field selected under it.
    expect(refusal(completions(1000), { maxTokens: 1e9 })).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      message: 'The operation costs 101000, more than the limit of 1000 (a call to a provider costs 100, most fields 1)',
      details: { measure: 'cost', limit: 1000, actual: 1000 * 101 },
    });
    expect(refusal(completions(9))).toBeNull();
    expect(refusal(completions(10))).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', actual: 1010 } });
    const similarity = `{ ${aliased(300, 'batchSimilarity(prompts: ["a", "b"]) { similarityScore }')} }`;
    expect(refusal(similarity)).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', actual: 300 * 51 } });
    // The same fields under a fragment or an inline fragment cost the same.
    const spread = 'mutation { ...M ... on Mutation { multiProvider(input: { prompt: "x" }) { successCount } } } fragment M on Mutation { batchComplete(input: { prompts: ["a"] }) { apiCallsMade } a: multiProvider(input: { prompt: "x" }) { successCount } }';
    expect(refusal(spread)).toBeNull();
    expect(refusal(spread, { maxCost: 902 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', details: { measure: 'cost', actual: 3 * 301 } });
  });

  it('refuse more operation definitions than maxOperations', () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => `query Q${i} { health }`).join('\n');
    expect(refusal(ops(10))).toBeNull();
    expect(refusal(ops(11))).toEqual({ code: 'TOO_MANY_OPERATIONS', message: 'The document defines 11 operations; at most 10 are allowed', details: { limit: 10, operations: 11 } });
  });

  it('price only fields that exist in the schema', () => {
    for (const coordinate of Object.keys(FIELD_COSTS)) {
      const [type, field] = coordinate.split('.');
      expect({ coordinate, exists: Boolean((schema.getType(type!) as { getFields?: () => Record<string, unknown> })?.getFields?.()[field!]) }).toEqual({ coordinate, exists: true });
    }
  });

  it('leave unknown fields and fragments to validation', () => {
    expect(refusal('{ nope { deeper } ...Missing }', UNLIMITED)).toBeNull();
  });
});
