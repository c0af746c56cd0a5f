// The OpenAI chat-completions format: request body, answer and stream chunk. OpenAI
// speaks it, and so does every OpenAI-compatible API (the Hugging Face router).

import type { ChatRequest } from '../types.js';
import { count, defined, isRecord, modelOf, str, stopList } from '../shared.js';
import type { ChatAnswer, StreamEnd } from '../calls.js';
import { malformed } from '../upstream-error.js';

/**
 * The request body; `last` (stream flags) goes in after the caller's extras, in the same
 * literal: Node 20 keeps objects made as `{ ...body, stream }` alive through young-generation
 * collections (bench/experiments/gc-probe.mts).
 */
export function chatBody(request: ChatRequest, defaultModel: string, last: Record<string, unknown> = {}) {
  return {
    model: modelOf(request, defaultModel),
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...defined({
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      stop: stopList(request),
      seed: request.seed,
      presence_penalty: request.presencePenalty,
      frequency_penalty: request.frequencyPenalty,
      user: request.user,
    }),
    ...request.extra,
    ...last,
  };
}

interface Choice {
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

function firstChoice(res: Record<string, unknown>): Choice | undefined {
  return (Array.isArray(res.choices) ? res.choices[0] : undefined) as Choice | undefined;
}

export function chatAnswer(provider: string, res: unknown, requestedModel: string): ChatAnswer {
  if (!isRecord(res) || !Array.isArray(res.choices)) throw malformed(provider, 'no choices in the completion');
  const choice = firstChoice(res);
  const usage = isRecord(res.usage) ? res.usage : {};
  return {
    text: str(choice?.message?.content) ?? '',
    finishReason: str(choice?.finish_reason) ?? null,
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    model: str(res.model) || requestedModel,
  };
}

/** Reads one chunk into `end`; returns its text. Usage comes in the last chunk (stream_options.include_usage). */
export function chunkText(provider: string, chunk: unknown, end: StreamEnd): unknown {
  if (!isRecord(chunk)) throw malformed(provider, 'stream chunk is not an object');
  end.model = str(chunk.model) || end.model;
  const choice = firstChoice(chunk);
  end.finishReason = str(choice?.finish_reason) ?? end.finishReason;
  if (isRecord(chunk.usage)) {
    end.inputTokens = count(chunk.usage.prompt_tokens);
    end.outputTokens = count(chunk.usage.completion_tokens);
  }
  return choice?.delta?.content;
}
