// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';
import { ollamaRequest, NAME } from './format.js';

export const INFO: ProviderInfo = {
  name: NAME,
  label: 'Ollama',
  baseUrl: 'http://localhost:11434',
  models: ['llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.2-vision', 'mistral', 'phi3', 'qwen2.5', 'llava'],
  defaultModel: 'llama2',
  firstTokenMs: 500,
  embeds: true,
  maxTokens: 131_072,
  // [registry/][namespace/]name[:tag]
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*){0,2}(:[A-Za-z0-9._-]+)?$/,
  // Generation options only: not keep_alive, and no runtime options (GPU, threads, memory mapping).
  extraParams: ['think', ...['top_k', 'min_p', 'typical_p', 'repeat_last_n', 'repeat_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'num_ctx', 'num_keep', 'tfs_z'].map((k) => `options.${k}`)],
  // Not tool_choice_required nor parallel_tool_calls (Ollama has neither switch), image_urls
  // (it takes image bytes only) or user (no field).
  features: ['tools', 'images', 'json_object', 'json_schema', 'seed', 'penalties'],
  keyless: true,
  // What the translation cannot carry although every feature is declared.
  check: (request, { defaultModel }) => {
    ollamaRequest(request, defaultModel, false);
  },
};
