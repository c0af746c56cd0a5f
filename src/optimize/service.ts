// What the optimize endpoints (REST and GraphQL) call: the size limits, then the optimizer.
import { estimateSavings, type SavingsEstimate } from './estimate.js';
import { checkOptimizeText } from './limits.js';
import { optimizePrompt, type OptimizeInput, type OptimizeResult } from './optimizer.js';
import { recommendOptimizations, type RecommendationResult } from './recommendations.js';

export function optimizeRequest(input: OptimizeInput): OptimizeResult {
  checkOptimizeText('prompt', input.prompt);
  checkOptimizeText('system_message', input.systemMessage);
  return optimizePrompt(input);
}

export function recommendRequest(prompt: string, systemMessage?: string | null): RecommendationResult {
  checkOptimizeText('prompt', prompt);
  checkOptimizeText('system_message', systemMessage);
  return recommendOptimizations(prompt, systemMessage);
}

export function estimateRequest(prompt: string, aggressive = false, model?: string): SavingsEstimate {
  checkOptimizeText('prompt', prompt);
  return estimateSavings(prompt, aggressive, model);
}
