// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';
import { anthropicRequest, NAME } from './format.js';

export const INFO: ProviderInfo = {
  name: NAME,
  label: 'Anthropic',
  baseUrl: 'https://api.anthropic.com',
  models: ['claude-3-opus', 'claude-3-sonnet', 'claude-3-haiku', 'claude-3-5-sonnet-20241022'],
  defaultModel: 'claude-3-5-sonnet-20241022',
  modelPrefixes: ['claude-'],
  firstTokenMs: 800,
  maxTokens: 128_000,
  outputLimits: {
    'claude-3-haiku': 4_096, 'claude-3-sonnet': 4_096, 'claude-3-opus': 4_096, 'claude-3-5': 8_192,
    'claude-3-7-sonnet': 64_000, 'claude-sonnet-4': 64_000, 'claude-opus-4': 32_000,
  },
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._@:-]*$/,
  extraParams: ['top_k', 'metadata', 'thinking', 'service_tier'],
  // JSON output is emulated through a forced tool (see format.ts); user is metadata.user_id.
  // Anthropic's API has no seed and no presence/frequency penalties: refused, not dropped.
  features: ['tools', 'tool_choice_required', 'parallel_tool_calls', 'images', 'image_urls', 'json_object', 'json_schema', 'user'],
  // What the translation cannot carry although every feature is declared.
  check: (request, { defaultModel }) => {
    anthropicRequest(request, defaultModel);
  },
};
