// What the per-provider chat tests (tools, images, JSON, usage) share: the mock and the adapter
// under test, a tool, a tiny image, stream collection and the assembly of streamed tool-call
// pieces into calls.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { providerFactories } from '../../src/providers/registry.js';
import { UpstreamError, type ChatRequest, type ProviderAdapter, type StreamEvent, type ToolCall, type ToolDefinition } from '../../src/providers/types.js';
import { startMockUpstream, type MockProvider, type MockUpstream, type RecordedRequest } from '../mock-upstream/server.js';
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

/** WEATHER and TIME as a function tool in OpenAI's chat format (OpenAI, Hugging Face, Cohere v2, Ollama). */
export const FUNCTION_WEATHER = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER.parameters } };
export const FUNCTION_TIME = { type: 'function', function: { name: 'get_time', description: 'The time now', parameters: TIME.parameters } };

/** The arguments the mock derives from QUESTION for WEATHER: the prompt's first 40 characters, its word count. */
export const WEATHER_ARGS = JSON.stringify({ city: QUESTION.slice(0, 40), days: QUESTION.split(' ').length });

/** A 1x1 PNG. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * For the calling test file: a mock upstream and `provider`'s adapter pointed at it, handed to
 * `use` before the tests; the mock's script and records are cleared before each test.
 */
export function adapterOnMock(
  provider: MockProvider,
  use: (mock: MockUpstream, adapter: ProviderAdapter) => void,
  config: { apiKey?: string } = { apiKey: KEY },
): void {
  let mock: MockUpstream | undefined;
  beforeAll(async () => {
    mock = await startMockUpstream();
    use(mock, providerFactories[provider]({ ...config, baseUrl: mock.baseUrls[provider] }));
  });
  afterAll(async () => {
    await mock?.close();
  });
  beforeEach(() => mock!.reset());
}

/** A user turn of text, a base64 PNG (with `detail`) and an image by web URL. */
export function twoImages(model: string, detail: 'low' | 'high'): ChatRequest {
  return {
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG }, detail },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } },
        ],
      },
    ],
  };
}

/** twoImages' turn in OpenAI's chat format (image_url parts), as OpenAI, Hugging Face and Cohere take it. */
export function twoImagesAsImageUrls(detail: 'low' | 'high') {
  return [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Compare these.' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    },
  ];
}

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

/**
 * A feature `provider` does not declare: 400 UNSUPPORTED_FEATURE naming provider and feature
 * on the completion and on the stream, and nothing sent to the provider.
 */
export async function expectUndeclared(t: TestApp, token: string, mock: MockUpstream, provider: MockProvider, request: Record<string, unknown>, feature: string): Promise<void> {
  for (const [path, b] of [[`/api/ai/${provider}`, request], ['/api/ai/stream', { ...request, provider }]] as const) {
    const r = await t.request('POST', path, { token, body: b });
    expect([path, r.status, r.body.error?.code, r.body.error?.details]).toEqual([path, 400, 'UNSUPPORTED_FEATURE', { provider, feature }]);
  }
  expect(mock.count(provider)).toBe(0);
}
