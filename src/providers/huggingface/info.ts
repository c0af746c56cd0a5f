// What the gateway knows about this provider without loading its SDK (the registry
// describes the adapter from it and loads index.ts on first use).
import type { ProviderInfo } from '../shared.js';

export const INFO: ProviderInfo = {
  name: 'huggingface',
  label: 'Hugging Face',
  // With endpointUrl the SDK posts to {endpointUrl}/v1/chat/completions: the router's OpenAI-compatible API.
  baseUrl: 'https://router.huggingface.co',
  models: ['meta-llama/Llama-2-7b-chat-hf', 'mistralai/Mistral-7B-Instruct-v0.2', 'HuggingFaceH4/zephyr-7b-beta'],
  firstTokenMs: 2000,
  defaultModel: 'meta-llama/Llama-2-7b-chat-hf',
  maxTokens: 32_768,
  // organisation/model, optionally :inference-provider.
  modelPattern: /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?(:[A-Za-z0-9._-]+)?$/,
  // The router's chat API (OpenAI's format, as TGI defines it) carries these natively; it has
  // no parallel_tool_calls and no user field, so those are refused rather than dropped.
  features: ['tools', 'tool_choice_required', 'images', 'image_urls', 'json_object', 'json_schema', 'seed', 'penalties'],
  extraParams: ['logit_bias', 'logprobs', 'top_logprobs'],
};
