// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'openai',
  label: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  models: ['gpt-4', 'gpt-4o', 'gpt-4o-mini', 'gpt-4-turbo', 'gpt-3.5-turbo'],
  defaultModel: 'gpt-4',
  maxTokens: 4096,
};
