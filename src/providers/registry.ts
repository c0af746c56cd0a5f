// Every provider the gateway knows. Adding one = its folder + one line here.

import type { ProviderFactory } from './types.js';
import { createLocalProvider } from './local/index.js';
import { createOpenAIProvider } from './openai/index.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createCohereProvider } from './cohere/index.js';
import { createHuggingFaceProvider } from './huggingface/index.js';
import { createOllamaProvider } from './ollama/index.js';

export const providerFactories = {
  local: createLocalProvider,
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
  cohere: createCohereProvider,
  huggingface: createHuggingFaceProvider,
  ollama: createOllamaProvider,
} satisfies Record<string, ProviderFactory>;

export type ProviderName = keyof typeof providerFactories;
