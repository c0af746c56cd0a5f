// useCompiledOperations: a document runs compiled from its second execution, and a
// mutation with one root field is compiled as a query over the mutation type (see the
// note in src/graphql-jit.ts) with the same answer; two root fields still run in order.
import { buildSchema, execute, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useCompiledOperations } from '../../src/graphql-jit.js';

const schema = buildSchema(`
  type Answer { text: String!, n: Int! }
  type Query { ping: String }
  type Mutation { complete(prompt: String!): Answer! }
`);
const calls: string[] = [];
const steps: string[] = [];
schema.getMutationType()!.getFields().complete!.resolve = async (_root, args: { prompt: string }, ctx: { who: string }) => {
  calls.push(args.prompt);
  steps.push(`start ${args.prompt}`);
  // Run side by side, 'fast' would start while 'slow' waits for the next turn of the loop.
  if (args.prompt === 'slow') await new Promise((r) => setImmediate(r));
  steps.push(`end ${args.prompt}`);
  return { text: `${ctx.who}: ${args.prompt}`, n: calls.length };
};

/** Runs args as Yoga would through the plugin: its execute function if it set one, graphql-js otherwise. */
async function run(plugin: ReturnType<typeof useCompiledOperations>, args: ExecutionArgs): Promise<{ compiled: boolean; result: ExecutionResult }> {
  let fn: ((a: ExecutionArgs) => unknown) | null = null;
  (plugin.onExecute as (p: unknown) => void)({ args, setExecuteFn: (f: (a: ExecutionArgs) => unknown) => (fn = f) });
  const result = (await (fn ? (fn as (a: ExecutionArgs) => unknown)(args) : execute(args))) as ExecutionResult;
  return { compiled: fn !== null, result };
}

describe('useCompiledOperations', () => {
  it('compiles a one-field mutation from its second run and answers as graphql-js does', async () => {
    const plugin = useCompiledOperations();
    const document = parse('mutation M($p: String!) { complete(prompt: $p) { text n } }');
    const args = (p: string): ExecutionArgs => ({ schema, document, contextValue: { who: 'ctx' }, variableValues: { p }, operationName: 'M' });
    calls.length = 0;
    const first = await run(plugin, args('one'));
    const second = await run(plugin, args('two'));
    expect([first.compiled, second.compiled]).toEqual([false, true]);
    expect(first.result).toEqual({ data: { complete: { text: 'ctx: one', n: 1 } } });
    expect(second.result).toEqual({ data: { complete: { text: 'ctx: two', n: 2 } } });
    const missing = await run(plugin, { ...args('x'), variableValues: {} });
    expect(missing.result.errors?.[0]?.message).toMatch(/\$p/);
  });

  it('still runs the root fields of a mutation one after another', async () => {
    const plugin = useCompiledOperations();
    const document = parse('mutation { a: complete(prompt: "slow") { n } b: complete(prompt: "fast") { n } }');
    for (let i = 0; i < 2; i++) {
      calls.length = 0;
      steps.length = 0;
      const { compiled, result } = await run(plugin, { schema, document, contextValue: { who: 'ctx' } });
      expect(compiled).toBe(i === 1);
      expect(steps).toEqual(['start slow', 'end slow', 'start fast', 'end fast']);
      expect(result.data).toEqual({ a: { n: 1 }, b: { n: 2 } });
    }
  });
});
