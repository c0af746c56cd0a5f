// Command-line options shared by the bench scripts: --quick shortens every phase.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  quick: boolean;
  profile: boolean;
  values: Record<string, string | boolean | undefined>;
}

export function benchArgs(extra: Record<string, { type: 'string' | 'boolean' }> = {}): BenchArgs {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, ...extra },
    allowPositionals: true,
    strict: false,
  });
  return { quick: values.quick === true || process.env.BENCH_QUICK === '1', profile: values.profile === true, values: values as BenchArgs['values'] };
}

export function numberArg(args: BenchArgs, name: string, fallback: number): number {
  const v = args.values[name];
  return typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
}

export function listArg(args: BenchArgs, name: string, fallback: number[]): number[] {
  const v = args.values[name];
  return typeof v === 'string' && v !== '' ? v.split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0) : fallback;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
