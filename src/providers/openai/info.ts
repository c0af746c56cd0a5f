// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'openai',
  label: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  models: ['gpt-4', 'gpt-4o', 'gpt-4o-mini', 'gpt-4-turbo', 'gpt-3.5-turbo'],
  defaultModel: 'gpt-4',
  modelPrefixes: ['gpt-', 'o1', 'o3', 'o4', 'chatgpt-', 'text-embedding-'],
  embeddingModels: ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'],
  maxTokens: 128_000,
  outputLimits: {
    'gpt-3.5-turbo': 4_096, 'gpt-4': 8_192, 'gpt-4-turbo': 4_096, 'gpt-4o': 16_384, 'gpt-4.1': 32_768,
    o1: 100_000, o3: 100_000, 'o4-mini': 100_000, 'gpt-5': 128_000,
  },
  // Fine-tuned models read ft:base:org:name:id.
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  // All native: OpenAI's chat format is the canonical one.
  features: ['tools', 'tool_choice_required', 'parallel_tool_calls', 'images', 'image_urls', 'json_object', 'json_schema', 'seed', 'penalties', 'user'],
  extraParams: ['logit_bias', 'logprobs', 'top_logprobs', 'reasoning_effort', 'service_tier', 'prediction', 'verbosity'],
};
