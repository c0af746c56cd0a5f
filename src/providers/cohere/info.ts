// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'cohere',
  label: 'Cohere',
  baseUrl: 'https://api.cohere.com',
  models: ['command', 'command-r', 'command-r-plus'],
  defaultModel: 'command',
  maxTokens: 8_000,
  outputLimits: { command: 4_000, 'command-r': 4_000, 'command-a': 8_000 },
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  extraParams: ['k', 'safety_mode', 'documents', 'citation_options', 'thinking'],
};
