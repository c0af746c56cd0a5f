import { optimizePrompt } from './optimizer.js';

export interface SavingsEstimate {
  originalChars: number;
  estimatedReductionChars: number;
  estimatedTokensSaved: number;
  /** Token reduction, in percent with one decimal (same measure as optimizePrompt). */
  estimatedReductionPercentage: number;
  mode: 'normal' | 'aggressive';
}

/** What optimizing `prompt` would save; the numbers come from actually running the optimizer. */
export function estimateSavings(prompt: string, aggressive = false, model?: string): SavingsEstimate {
  const { optimizedPrompt, stats } = optimizePrompt({ prompt, aggressive, model });
  return {
    originalChars: prompt.length,
    estimatedReductionChars: prompt.length - optimizedPrompt.length,
    estimatedTokensSaved: stats.tokensSaved,
    estimatedReductionPercentage: stats.reductionPercentage,
    mode: aggressive ? 'aggressive' : 'normal',
  };
}
