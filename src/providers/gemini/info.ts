// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'gemini',
  label: 'Google Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  models: ['gemini-2.0-flash', 'gemini-1.5-pro', 'gemini-1.5-flash'],
  defaultModel: 'gemini-2.0-flash',
  maxTokens: 8192,
};
