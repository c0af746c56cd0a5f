// Limits on what one GraphQL document may ask for, checked when the document is parsed:
// before validation and execution, for every transport (HTTP GET and POST, SSE,
// graphql-ws), since they all parse through Yoga's envelop. A refused document is an
// error Yoga's parser cache remembers like a syntax error, so sending it again costs
// nothing.
//
// Two passes. Before parsing, one lexer pass counts tokens and bracket nesting: graphql-js
// parses and validates recursively, so a document nested thousands of levels deep (fields,
// list or object values, fragment spreads) would overflow the stack instead of being
// refused. After parsing, one walk measures each operation with its fragments expanded:
// depth, aliases, fields and cost (every field costs 1, fields that call a provider or do
// heavy text work cost what FIELD_COSTS says), and how deep fragments spread into each
// other. Each fragment is measured once, so a fragment spread many times (or a chain of
// fragments each spreading the next twice) is counted in full without being walked again.
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  Lexer,
  OperationTypeNode,
  Source,
  TokenKind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type ParseOptions,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './limit-defaults.js';

export { DEFAULT_QUERY_LIMITS, type QueryLimits };

/**
 * What a field costs, by schema coordinate; every other field costs 1. A field that calls a
 * provider costs 100, so a document may make about nine such calls at most; heavy text
 * work (tokenizing and comparing prompts), password hashing and analytics aggregations cost
 * less. Tested against the schema: a coordinate that no longer exists fails a test.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  'Mutation.completion': 100,
  'Subscription.streamCompletion': 100,
  'Mutation.multiProvider': 300,
  'Mutation.batchComplete': 300,
  'Mutation.login': 50,
  'Mutation.createUser': 50,
  'Mutation.optimizePrompt': 20,
  'Mutation.batchOptimize': 50,
  'Query.batchSimilarity': 50,
  'Query.batchEstimate': 20,
  'Query.optimizationEstimate': 20,
  'Query.optimizationRecommendations': 20,
  'Query.analyticsDashboard': 10,
  'Query.analyticsOptimization': 10,
  'Query.analyticsPerformance': 10,
  'Query.analyticsProviders': 10,
  'Query.analyticsSummary': 10,
  'Query.analyticsTrends': 10,
  'Subscription.analyticsUpdated': 10,
  'Mutation.clearCache': 10,
  'Mutation.resetAnalytics': 10,
};

/** How a selection set measures with its fragments expanded. */
interface Measure {
  depth: number;
  fields: number;
  aliases: number;
  cost: number;
  /** Fragment spreads nested within each other below this point. */
  spreadDepth: number;
}

const NONE: Measure = Object.freeze({ depth: 0, fields: 0, aliases: 0, cost: 0, spreadDepth: 0 });

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Brackets a document may nest: its fields' depth plus room for arguments and input values. */
export function nestingLimit(limits: Pick<QueryLimits, 'maxDepth'>): number {
  return limits.maxDepth + 32;
}

/**
 * Counts tokens and bracket nesting without parsing (the lexer is a loop, the parser
 * recurses). Syntax errors the lexer finds are thrown as the parser would throw them.
 */
export function checkSource(source: Source, limits: Pick<QueryLimits, 'maxTokens' | 'maxDepth'>): void {
  const lexer = new Lexer(source);
  const maxNesting = nestingLimit(limits);
  let tokens = 0;
  let nesting = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (++tokens > limits.maxTokens) {
      throw new GatewayError('QUERY_TOO_LARGE', `The document has more than ${limits.maxTokens} tokens`, { details: { limit: limits.maxTokens } });
    }
    if (OPENING.has(token.kind)) {
      if (++nesting > maxNesting) {
        throw new GatewayError('QUERY_TOO_DEEP', `The document nests brackets more than ${maxNesting} levels deep`, { details: { limit: maxNesting } });
      }
    } else if (CLOSING.has(token.kind)) nesting--;
  }
}

function rootType(schema: GraphQLSchema | undefined, operation: OperationTypeNode): GraphQLNamedType | undefined {
  if (!schema) return undefined;
  if (operation === OperationTypeNode.QUERY) return schema.getQueryType() ?? undefined;
  if (operation === OperationTypeNode.MUTATION) return schema.getMutationType() ?? undefined;
  return schema.getSubscriptionType() ?? undefined;
}

/** The named type a field returns, undefined when unknown (validation reports that later). */
function fieldType(schema: GraphQLSchema | undefined, parent: GraphQLNamedType | undefined, name: string): GraphQLNamedType | undefined {
  if (!schema || !parent) return undefined;
  if (name === '__schema') return schema.getType('__Schema');
  if (name === '__type') return schema.getType('__Type');
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  const field = parent.getFields()[name];
  return field ? getNamedType(field.type) : undefined;
}

/** Names of the fragments a selection set spreads, at any depth. */
function spreadsIn(set: SelectionSetNode, into: string[] = []): string[] {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) into.push(selection.name.value);
    else if (selection.selectionSet) spreadsIn(selection.selectionSet, into);
  }
  return into;
}

class DocumentMeasure {
  readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();

  constructor(
    private readonly schema: GraphQLSchema | undefined,
    private readonly costs: Readonly<Record<string, number>>,
    document: DocumentNode,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION && !this.fragments.has(definition.name.value)) {
        this.fragments.set(definition.name.value, definition);
      }
    }
  }

  /**
   * Measures every fragment, each after the fragments it spreads (a depth-first walk with its
   * own stack, so a chain of thousands of fragments needs no deep recursion). A cycle is
   * refused here: nothing could measure it.
   */
  measureFragments(): Measure[] {
    const onPath = new Set<string>();
    for (const start of this.fragments.keys()) {
      if (this.measured.has(start)) continue;
      const stack = [{ name: start, spreads: spreadsIn(this.fragments.get(start)!.selectionSet), next: 0 }];
      onPath.add(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.next < top.spreads.length) {
          const name = top.spreads[top.next++]!;
          if (this.measured.has(name) || !this.fragments.has(name)) continue; // an unknown fragment: validation reports it
          if (onPath.has(name)) {
            const via = stack.slice(stack.findIndex((s) => s.name === name) + 1).map((s) => `"${s.name}"`);
            const shown = via.length > 5 ? [...via.slice(0, 5), `and ${via.length - 5} more`] : via;
            throw new GatewayError(
              'GRAPHQL_VALIDATION_FAILED',
              `Cannot spread fragment "${name}" within itself${via.length ? ` via ${shown.join(', ')}` : ''}.`,
            );
          }
          onPath.add(name);
          stack.push({ name, spreads: spreadsIn(this.fragments.get(name)!.selectionSet), next: 0 });
          continue;
        }
        stack.pop();
        onPath.delete(top.name);
        const fragment = this.fragments.get(top.name)!;
        this.measured.set(top.name, this.selectionSet(fragment.selectionSet, this.schema?.getType(fragment.typeCondition.name.value)));
      }
    }
    return [...this.measured.values()];
  }

  /** Sums a selection set; fragments must be measured already. */
  selectionSet(set: SelectionSetNode, parent: GraphQLNamedType | undefined): Measure {
    const m: Measure = { ...NONE };
    const add = (child: Measure) => {
      m.fields += child.fields;
      m.aliases += child.aliases;
      m.cost += child.cost;
      m.depth = Math.max(m.depth, child.depth);
      m.spreadDepth = Math.max(m.spreadDepth, child.spreadDepth);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const child = selection.selectionSet ? this.selectionSet(selection.selectionSet, fieldType(this.schema, parent, name)) : NONE;
        add(child);
        m.fields += 1;
        if (selection.alias) m.aliases += 1;
        m.cost += (parent && this.costs[`${parent.name}.${name}`]) || 1;
        m.depth = Math.max(m.depth, 1 + child.depth);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema?.getType(selection.typeCondition.name.value) : parent;
        add(this.selectionSet(selection.selectionSet, type ?? undefined));
      } else {
        const fragment = this.measured.get(selection.name.value);
        if (!fragment) continue;
        add(fragment);
        m.spreadDepth = Math.max(m.spreadDepth, 1 + fragment.spreadDepth);
      }
    }
    return m;
  }
}

/**
 * Refuses a parsed document that exceeds a limit, with the first limit it exceeds.
 * Every operation is measured, not only the one a request names: the others are
 * validated too.
 */
export function checkDocument(
  document: DocumentNode,
  schema: GraphQLSchema | undefined,
  limits: QueryLimits,
  costs: Readonly<Record<string, number>> = FIELD_COSTS,
): void {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length > limits.maxOperations) {
    throw new GatewayError('TOO_MANY_OPERATIONS', `The document defines ${operations.length} operations; at most ${limits.maxOperations} are allowed`, {
      details: { limit: limits.maxOperations, operations: operations.length },
    });
  }
  const measure = new DocumentMeasure(schema, costs, document);
  // graphql-js validates fragments by following spreads recursively: bounded before it runs.
  const spreadDepth = Math.max(0, ...measure.measureFragments().map((f) => f.spreadDepth + 1));
  if (spreadDepth > limits.maxDepth) {
    throw new GatewayError('QUERY_TOO_DEEP', `Fragments spread within each other ${spreadDepth} levels deep; at most ${limits.maxDepth} are allowed`, {
      details: { limit: limits.maxDepth, depth: spreadDepth },
    });
  }
  for (const operation of operations) {
    const m = measure.selectionSet(operation.selectionSet, rootType(schema, operation.operation));
    const name = operation.name ? `Operation "${operation.name.value}"` : 'The operation';
    if (m.depth > limits.maxDepth) {
      throw new GatewayError('QUERY_TOO_DEEP', `${name} nests fields ${m.depth} levels deep; at most ${limits.maxDepth} are allowed`, {
        details: { limit: limits.maxDepth, depth: m.depth },
      });
    }
    const complex = (measureName: string, value: number, limit: number, message: string) => {
      if (value <= limit) return;
      throw new GatewayError('QUERY_TOO_COMPLEX', message, { details: { measure: measureName, limit, actual: value } });
    };
    complex('cost', m.cost, limits.maxCost, `${name} costs ${m.cost}, more than the limit of ${limits.maxCost} (a call to a provider costs 100, most fields 1)`);
    complex('aliases', m.aliases, limits.maxAliases, `${name} has ${m.aliases} aliased fields; at most ${limits.maxAliases} are allowed`);
    complex('fields', m.fields, limits.maxFields, `${name} selects ${m.fields} fields (fragments expanded); at most ${limits.maxFields} are allowed`);
  }
}

/**
 * The limits as a Yoga (envelop) plugin: wraps the parser, so a document is checked once,
 * when it is first parsed, whichever transport brought it.
 */
export function useQueryLimits(options: Partial<QueryLimits> & { costs?: Readonly<Record<string, number>> } = {}): Plugin {
  const { costs = FIELD_COSTS, ...given } = options;
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...given };
  let schema: GraphQLSchema | undefined;
  // The parser handed to this plugin (the engine's) and the checking parser made over it,
  // made again only if another plugin hands a different parser.
  let inner: ((source: string | Source, options?: ParseOptions) => DocumentNode) | undefined;
  let checked: typeof inner;
  return {
    onSchemaChange({ schema: current }) {
      schema = current;
    },
    onParse({ parseFn, setParseFn }) {
      if (parseFn !== inner || !checked) {
        const parse = (inner = parseFn as typeof inner & {});
        checked = (text, parseOptions) => {
          const source = typeof text === 'string' ? new Source(text) : text;
          checkSource(source, limits);
          const document = parse(source, parseOptions);
          checkDocument(document, schema, limits, costs);
          return document;
        };
      }
      setParseFn(checked);
    },
  };
}
