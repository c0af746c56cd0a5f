// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';
import { cohereRequest, NAME } from './format.js';

export const INFO: ProviderInfo = {
  name: NAME,
  label: 'Cohere',
  baseUrl: 'https://api.cohere.com',
  models: ['command', 'command-r', 'command-r-plus', 'command-r-08-2024', 'command-r-plus-08-2024', 'command-r7b-12-2024', 'command-a-03-2025', 'command-a-vision-07-2025', 'command-a-reasoning-08-2025'],
  defaultModel: 'command',
  firstTokenMs: 700,
  embeds: true,
  modelPrefixes: ['command'],
  maxTokens: 8_000,
  outputLimits: { command: 4_000, 'command-r': 4_000, 'command-a': 8_000 },
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  extraParams: ['k', 'safety_mode', 'documents', 'citation_options', 'thinking'],
  // Images by data URL and by web URL (on the vision models: see cohereRequest). Not
  // parallel_tool_calls (Cohere has no switch) nor user (no field).
  features: ['tools', 'tool_choice_required', 'images', 'image_urls', 'json_object', 'json_schema', 'seed', 'penalties'],
  // What the translation cannot carry although every feature is declared.
  check: (request, { defaultModel }) => {
    cohereRequest(request, defaultModel);
  },
};
