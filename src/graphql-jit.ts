// GraphQL operations compiled to JavaScript once per document (graphql-jit) instead of
// walked by the generic executor on every execution. A graphql-ws stream runs one
// execution per chunk, so the executor is most of what a streamed chunk costs in GraphQL
// (BENCHMARKS.md has the profile).
//
// Compiling costs several executions' worth, so a document is compiled when it runs a
// second time; a one-off document (an explorer's) runs on the generic executor.
//
// Subscriptions open their source stream with graphql-js (graphql-jit 0.8 hands the
// subscribe resolver the operation's variables instead of the field's arguments) and
// map each event through the compiled operation.
//
// A mutation with one root field is compiled as a query over a schema whose query root
// is the mutation type: graphql-jit runs mutations through a job queue it adds to each
// execution's context, which only matters when several root fields must run in order.
// With one root field there is nothing to order, so both run the same resolver the same way.
import {
  createSourceEventStream,
  getOperationAST,
  GraphQLSchema,
  Kind,
  OperationTypeNode,
  type OperationDefinitionNode,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type VariableDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

type Compiled = { query: CompiledQuery; variables: readonly VariableDefinitionNode[] };
/** Per document and operation name: runs so far, then the compiled operation ('generic' if it would not compile). */
type Entry = number | Compiled | 'generic';

const queryRooted = new WeakMap<GraphQLSchema, GraphQLSchema>();

/** The schema with its mutation type as the query root (same types, same resolvers). */
function mutationAsQueryRoot(schema: GraphQLSchema): GraphQLSchema {
  let s = queryRooted.get(schema);
  if (!s) {
    const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__'));
    s = new GraphQLSchema({ query: schema.getMutationType(), types, directives: schema.getDirectives() });
    queryRooted.set(schema, s);
  }
  return s;
}

/** What graphql-jit compiles for this operation (see the note on mutations above). */
function compileTarget(args: ExecutionArgs, op: OperationDefinitionNode | null | undefined): [GraphQLSchema, DocumentNode] {
  const single = op?.operation === OperationTypeNode.MUTATION && op.selectionSet.selections.length === 1 && op.selectionSet.selections[0]!.kind === Kind.FIELD;
  if (!single || !args.schema.getMutationType()) return [args.schema, args.document];
  const document: DocumentNode = {
    ...args.document,
    definitions: args.document.definitions.map((d) => (d === op ? { ...op, operation: OperationTypeNode.QUERY } : d)),
  };
  return [mutationAsQueryRoot(args.schema), document];
}

export function useCompiledOperations(): Plugin {
  // Yoga's parser cache hands back the same DocumentNode for the same query text.
  const cache = new WeakMap<DocumentNode, Map<string, Entry>>();

  /** The compiled operation once the document runs a second time; null before. */
  const compiled = (args: ExecutionArgs): Compiled | null => {
    let byName = cache.get(args.document);
    if (!byName) cache.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    const entry = byName.get(name) ?? 0;
    if (entry === 'generic') return null;
    if (typeof entry !== 'number') return entry;
    if (entry < 1) {
      byName.set(name, entry + 1);
      return null;
    }
    const op = getOperationAST(args.document, args.operationName);
    const query = compileQuery(...compileTarget(args, op), args.operationName ?? undefined);
    if (!isCompiledQuery(query)) {
      // The generic executor gives the answer (and the error) graphql-js users expect.
      byName.set(name, 'generic');
      return null;
    }
    const c: Compiled = { query, variables: op?.variableDefinitions ?? [] };
    byName.set(name, c);
    return c;
  };

  const run = (query: CompiledQuery, args: ExecutionArgs, root: unknown) => {
    const result = query.query(root, args.contextValue, args.variableValues ?? {});
    return result instanceof Promise ? result.then((r) => located(r, args.document)) : located(result, args.document);
  };

  /** The generic executor's errors for variables the compiled operation refused (no resolver ran). */
  const variableErrors = (c: Compiled, args: ExecutionArgs, result: ExecutionResult): ExecutionResult => {
    if ('data' in result || !result.errors?.length) return result;
    const checked = getVariableValues(args.schema, c.variables, args.variableValues ?? {}, { maxErrors: 50 });
    return checked.errors ? { errors: checked.errors } : result;
  };

  const execute = (c: Compiled, args: ExecutionArgs) => {
    const result = run(c.query, args, args.rootValue);
    return result instanceof Promise ? result.then((r) => variableErrors(c, args, r)) : variableErrors(c, args, result);
  };

  const subscribe = async (c: Compiled, args: ExecutionArgs) => {
    // graphql-js checks the variables and calls the subscribe resolver with the field's arguments.
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const query = c.query;
    return mapEvents(source, (event) => run(query, args, event));
  };

  return {
    onExecute({ args, setExecuteFn }) {
      const c = compiled(args);
      if (c) setExecuteFn(((a: ExecutionArgs) => execute(c, a)) as never);
    },
    onSubscribe({ args, setSubscribeFn }) {
      const c = compiled(args);
      if (c) setSubscribeFn(((a: ExecutionArgs) => subscribe(c, a)) as never);
    },
  };
}

/**
 * graphql-jit's field errors say where they are (`locations`) but not in which document,
 * and the error masking and Yoga's serializer keep locations only from the document
 * (nodes, or source and positions): they are rebuilt with the source, as graphql-js has them.
 */
function located(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  const source = document.loc?.source;
  if (!result.errors?.length || !source || result.errors.every((e) => e.source || !e.locations?.length)) return result;
  const lineStarts = [0];
  for (const m of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(m.index + m[0].length);
  const errors = result.errors.map((e) =>
    e.source || !e.locations?.length
      ? e
      : new GraphQLError(e.message, {
          source,
          positions: e.locations.map((l) => (lineStarts[l.line - 1] ?? 0) + l.column - 1),
          path: e.path,
          originalError: e.originalError,
          extensions: e.extensions,
        }),
  );
  return { ...result, errors };
}

/** Maps each event; returning or throwing into the result closes the source. */
function mapEvents<T, R>(source: AsyncIterable<T>, map: (event: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const it = source[Symbol.asyncIterator]();
  const close = async () => {
    await it.return?.();
  };
  return {
    async next() {
      const r = await it.next();
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: await map(r.value), done: false };
      } catch (e) {
        await close().catch(() => {});
        throw e;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(e: unknown) {
      await close();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
