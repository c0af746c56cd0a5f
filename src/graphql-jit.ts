// GraphQL operations compiled to JavaScript once per document (graphql-jit) instead of
// walked by the generic executor on every execution. A graphql-ws stream runs one
// execution per chunk, so this is most of what a streamed chunk costs in GraphQL
// (bench/profile.ts --scenario ws: the executor's 10% of the CPU became 1.6%).
//
// Subscriptions open their source stream with graphql-js (graphql-jit 0.8 hands the
// subscribe resolver the operation's variables instead of the field's arguments) and
// map each event through the compiled operation.
import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

type Compiled = CompiledQuery | ExecutionResult;

export function useCompiledOperations(): Plugin {
  // Yoga's parser cache hands back the same DocumentNode for the same query text.
  const cache = new WeakMap<DocumentNode, Map<string, Compiled>>();

  const compiled = (args: ExecutionArgs): Compiled => {
    let byName = cache.get(args.document);
    if (!byName) cache.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let c = byName.get(name);
    if (!c) byName.set(name, (c = compileQuery(args.schema, args.document, args.operationName ?? undefined)));
    return c;
  };

  const execute = (args: ExecutionArgs) => {
    const c = compiled(args);
    return isCompiledQuery(c) ? c.query(args.rootValue, args.contextValue, args.variableValues ?? {}) : c;
  };

  const subscribe = async (args: ExecutionArgs) => {
    const c = compiled(args);
    if (!isCompiledQuery(c)) return c;
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    return mapEvents(source, (event) => c.query(event, args.contextValue, args.variableValues ?? {}));
  };

  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute as never);
    },
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
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
