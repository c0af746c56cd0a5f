// The same completion asked of every target, in each target's wire format.
import { buildRequest } from './http-load.js';
import { MODEL, UPSTREAM_KEY, type Gateway, type Mock, type Portkey } from './servers.js';

export const PROMPT = 'Explain in two sentences what a reverse proxy does for a web application.';
export const MAX_TOKENS = 20;

export function openaiBody(prompt = PROMPT, maxTokens = MAX_TOKENS, stream = false) {
  return { model: MODEL, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, ...(stream ? { stream: true } : {}) };
}

export function restBody(prompt = PROMPT, maxTokens = MAX_TOKENS, extra: Record<string, unknown> = {}) {
  return { prompt, model: MODEL, max_tokens: maxTokens, ...extra };
}

export const COMPLETION_MUTATION =
  'mutation Complete($input: CompletionInput!) { completion(input: $input) { provider model response tokensUsed estimatedCost cached latencyMs } }';

export const STREAM_SUBSCRIPTION =
  'subscription Stream($input: CompletionInput!) { streamCompletion(input: $input) { chunkId content isComplete result { tokensUsed cached } } }';

export function gqlInput(prompt = PROMPT, maxTokens = MAX_TOKENS, extra: Record<string, unknown> = {}) {
  return { provider: 'openai', model: MODEL, prompt, maxTokens, ...extra };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** An OpenAI chat request to `target.openai` (the mock, or the minimal proxy in front of it). */
export function directRequest(target: Pick<Mock, 'openai'>, prompt = PROMPT): Buffer {
  return buildRequest('POST', `${target.openai}/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }, openaiBody(prompt));
}

export function restRequest(gw: Gateway, token: string, prompt = PROMPT, extra: Record<string, unknown> = {}): Buffer {
  return buildRequest('POST', `${gw.url}/api/ai/openai`, auth(token), restBody(prompt, MAX_TOKENS, extra));
}

export function graphqlRequest(gw: Gateway, token: string, prompt = PROMPT, extra: Record<string, unknown> = {}): Buffer {
  return buildRequest('POST', `${gw.url}/graphql`, auth(token), { query: COMPLETION_MUTATION, variables: { input: gqlInput(prompt, MAX_TOKENS, extra) } });
}

export function portkeyRequest(pk: Portkey, mock: Mock, prompt = PROMPT): Buffer {
  return buildRequest('POST', `${pk.url}/v1/chat/completions`, pk.headers(mock), openaiBody(prompt));
}

/** A GraphQL answer with errors is an error even with status 200. */
export const graphqlIsError = (r: { status: number; body: Buffer }) => r.status >= 400 || r.body.includes('"errors"');
