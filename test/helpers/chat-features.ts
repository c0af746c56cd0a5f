// What the per-provider chat tests (tools, images, JSON, usage) share: a tool, a tiny image,
// stream collection and the assembly of streamed tool-call pieces into calls.
import { expect } from 'vitest';
import { UpstreamError, type ChatRequest, type ProviderAdapter, type StreamEvent, type ToolCall, type ToolDefinition } from '../../src/providers/types.js';
import type { MockUpstream, RecordedRequest } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from './app.js';
import { mockProviderEnv } from './mock-env.js';

export const KEY = 'sk-test-SECRET-key-0123456789';
export const QUESTION = 'What is the weather in Paris today?';

export const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer' } },
    required: ['city'],
  },
};
export const TIME: ToolDefinition = { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} } };

/** The arguments the mock derives from QUESTION for WEATHER: the prompt's first 40 characters, its word count. */
export const WEATHER_ARGS = JSON.stringify({ city: QUESTION.slice(0, 40), days: QUESTION.split(' ').length });

/** A 1x1 PNG. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export const opts = () => ({ signal: new AbortController().signal });

export function ask(model: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model, messages: [{ role: 'user', content: QUESTION }], ...extra };
}

/** The conversation after the model called `calls`, with each result (JSON text or plain). */
export function withResults(model: string, calls: ToolCall[], results: string[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model,
    tools: [WEATHER],
    messages: [
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', toolCalls: calls },
      ...calls.map((c, i) => ({ role: 'tool' as const, content: results[i]!, toolCallId: c.id })),
    ],
    ...extra,
  };
}

export async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/**
 * The tool calls of a stream's pieces, as the pipeline assembles them; checks that each
 * call's first piece carries its id and name and that later pieces carry neither.
 */
export function assemble(events: StreamEvent[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const e of events) {
    if (e.type !== 'tool_call') continue;
    const call = calls[e.index];
    if (!call) {
      expect(e.index).toBe(calls.length);
      expect(typeof e.id === 'string' && typeof e.name === 'string').toBe(true);
      calls.push({ id: e.id!, name: e.name!, arguments: e.arguments ?? '' });
    } else {
      expect([e.id, e.name]).toEqual([undefined, undefined]);
      call.arguments += e.arguments ?? '';
    }
  }
  return calls;
}

export function streamText(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
}

export function done(events: StreamEvent[]): Extract<StreamEvent, { type: 'done' }> {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error('the stream did not end with done');
  return last;
}

export function lastBody(mock: MockUpstream, provider: RecordedRequest['provider']): Record<string, unknown> {
  const rec = mock.requests.filter((r) => r.provider === provider && r.completion).at(-1);
  if (!rec) throw new Error(`no ${provider} request recorded`);
  return rec.body as Record<string, unknown>;
}

type Refusal = { code: string; status: number; message: string; details: Record<string, unknown> };

/**
 * An adapter's refusal: check() throws UNSUPPORTED_FEATURE; chat and stream, before calling
 * out, the http 400 UpstreamError with the same message (what the router makes of a provider's 400).
 */
export async function refusal(adapter: ProviderAdapter, request: ChatRequest): Promise<Refusal> {
  let refused: Refusal | undefined;
  try {
    adapter.check!(request);
  } catch (err) {
    refused = err as Refusal;
  }
  expect([refused?.code, refused?.status]).toEqual(['UNSUPPORTED_FEATURE', 400]);
  for (const call of [() => adapter.chat(request, opts()), () => collect(adapter.stream(request, opts()))]) {
    const err = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect([(err as UpstreamError).kind, (err as UpstreamError).status, (err as UpstreamError).message]).toEqual(['http', 400, refused!.message]);
  }
  return refused!;
}

/** A gateway on the embedded backend with every provider pointed at the mock. */
export function gatewayOn(mock: MockUpstream): Promise<TestApp> {
  return startTestApp({ backend: 'embedded', env: mockProviderEnv(mock) });
}
