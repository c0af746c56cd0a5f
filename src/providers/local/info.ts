// What the gateway knows about the built-in simulator: its description, and the settings
// of its own that the config reads (LOCAL_LATENCY_MS, LOCAL_TOKENS_PER_SECOND).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'local',
  label: 'Local simulated provider (no real model)',
  baseUrl: 'local://',
  models: ['local-sim'],
  defaultModel: 'local-sim',
  modelPrefixes: ['local-'],
  embeddingModels: ['local-embed'],
  maxTokens: 4096,
  // What it acts out; images it cannot look at, so it refuses them rather than pretend.
  features: ['tools', 'tool_choice_required', 'parallel_tool_calls', 'json_object', 'json_schema', 'seed', 'penalties', 'user'],
  keyless: true,
  builtIn: true,
  settings: [
    { key: 'latencyMs', suffix: 'LATENCY_MS' },
    { key: 'tokensPerSecond', suffix: 'TOKENS_PER_SECOND' },
  ],
};
