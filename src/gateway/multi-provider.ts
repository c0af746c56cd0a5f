// The same prompt to several providers at once; each answer or error stands on its own.
import { GatewayError, toGatewayError } from '../errors.js';
import type { Caller, CompletionResult, Gateway } from './gateway.js';
import type { RawCompletionInput } from './completion-input.js';

export interface MultiProviderInput extends Omit<RawCompletionInput, 'provider' | 'model' | 'fallback'> {
  providers: string[];
  /** Model per provider; providers not named use their default. */
  models?: Record<string, string>;
}

export type ProviderOutcome =
  | { status: 'success'; result: CompletionResult }
  | { status: 'error'; error: { code: string; message: string } };

export interface MultiProviderResult {
  prompt: string | undefined;
  responses: Record<string, ProviderOutcome>;
  successCount: number;
  errorCount: number;
  /** Sum of the successful answers' costs; null when any of them has no known price. */
  totalEstimatedCost: number | null;
}

export async function multiProvider(gateway: Gateway, input: MultiProviderInput, caller: Caller): Promise<MultiProviderResult> {
  // Each provider answers for itself: one model for all of them, or a fallback, would mean nothing here.
  for (const [field, given] of [['model', (input as RawCompletionInput).model], ['fallback', (input as RawCompletionInput).fallback]] as const) {
    if (given !== undefined) {
      throw new GatewayError('VALIDATION_ERROR', `${field}: multi-provider takes ${field === 'model' ? 'a model per provider in models' : 'no fallback'}`, { details: { field } });
    }
  }
  const providers = [...new Set(input.providers)];
  const { providers: _p, models, ...common } = input;
  const settled = await Promise.all(
    providers.map(async (provider): Promise<[string, ProviderOutcome]> => {
      try {
        const result = await gateway.complete({ ...common, provider, model: models?.[provider], fallback: [] }, { ...caller, source: 'multi' });
        return [provider, { status: 'success', result }];
      } catch (e) {
        const err = toGatewayError(e);
        return [provider, { status: 'error', error: { code: err.code, message: err.message } }];
      }
    }),
  );
  const responses = Object.fromEntries(settled);
  const successes = settled.filter(([, o]) => o.status === 'success').map(([, o]) => (o as { result: CompletionResult }).result);
  const unknown = successes.some((r) => r.estimatedCost === null);
  return {
    prompt: input.prompt,
    responses,
    successCount: successes.length,
    errorCount: settled.length - successes.length,
    totalEstimatedCost: unknown ? null : Math.round(successes.reduce((s, r) => s + (r.estimatedCost ?? 0), 0) * 1e10) / 1e10,
  };
}
