// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';
import { geminiRequest, NAME } from './format.js';

export const INFO: ProviderInfo = {
  name: NAME,
  label: 'Google Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  models: ['gemini-2.0-flash', 'gemini-2.0-flash-lite', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro', 'gemini-1.5-pro', 'gemini-1.5-flash'],
  defaultModel: 'gemini-2.0-flash',
  firstTokenMs: 500,
  embeds: true,
  modelPrefixes: ['gemini-'],
  maxTokens: 65_536,
  outputLimits: { 'gemini-1.5': 8_192, 'gemini-2.0': 8_192, 'gemini-2.5': 65_536 },
  // The model is a path segment of the request URL: nothing but a plain name (or models/name).
  modelPattern: /^(models\/|tunedModels\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/,
  extraParams: ['topK', 'safetySettings', 'thinkingConfig', 'responseLogprobs', 'logprobs'],
  // Not parallel_tool_calls (Gemini has no switch), user (no field), image_urls (fileData
  // takes Files API uploads, not web URLs).
  features: ['tools', 'tool_choice_required', 'images', 'json_object', 'json_schema', 'seed', 'penalties'],
  // What the translation cannot carry although every feature is declared.
  check: (request) => {
    geminiRequest(request);
  },
};
