// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'cohere',
  label: 'Cohere',
  baseUrl: 'https://api.cohere.com',
  models: ['command', 'command-r', 'command-r-plus'],
  defaultModel: 'command',
  maxTokens: 4000,
};
