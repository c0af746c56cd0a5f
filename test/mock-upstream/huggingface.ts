// Hugging Face's router: OpenAI's chat API under its own prefix.
import { modelList, obj, sendError, sendJson, streamsWhenAsked, type Ctx, type MockProviderSpec } from './core.js';
import { openaiChat } from './openai.js';

function huggingface(ctx: Ctx): Promise<void> | void {
  const body = obj(ctx.body);
  if (ctx.method === 'POST' && ctx.route === '/v1/chat/completions') return openaiChat(ctx, body);
  if (ctx.method === 'GET' && ctx.route === '/v1/models') {
    return sendJson(ctx, 200, modelList(['meta-llama/Llama-2-7b-chat-hf', 'mistralai/Mistral-7B-Instruct-v0.2']));
  }
  return sendError(ctx, 404, `Unknown path ${ctx.route}`);
}

export const huggingfaceSpec: MockProviderSpec = {
  handle: huggingface,
  errorBody: (status, message) => ({ error: message, error_type: status === 429 ? 'overloaded' : status === 401 ? 'unauthorized' : 'generation' }),
  isCompletion: (method, route) => method === 'POST' && route === '/v1/chat/completions',
  isStreaming: streamsWhenAsked,
};
