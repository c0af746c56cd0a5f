// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'ollama',
  label: 'Ollama',
  baseUrl: 'http://localhost:11434',
  models: ['llama2', 'llama3', 'mistral', 'phi3'],
  defaultModel: 'llama2',
  maxTokens: 4096,
  keyless: true,
};
