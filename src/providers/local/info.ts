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
  keyless: true,
  builtIn: true,
  settings: [
    { key: 'latencyMs', suffix: 'LATENCY_MS' },
    { key: 'tokensPerSecond', suffix: 'TOKENS_PER_SECOND' },
  ],
};
