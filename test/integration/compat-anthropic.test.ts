// The Anthropic-compatible API as a user meets it: the official @anthropic-ai/sdk client with
// its baseURL pointed at the gateway and a gateway API key (sent as x-api-key), calling every
// provider behind it through the mock upstream, Gemini included.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS, PNG, QUESTION, RESULT, startCompatGateway, WEATHER_ARGS, type CompatGateway } from '../helpers/compat.js';

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
};

const TOOL_PROVIDERS = ['anthropic', 'openai', 'gemini', 'cohere', 'huggingface', 'ollama'];

describe('Anthropic SDK against the gateway', () => {
  let g: CompatGateway;
  let client: Anthropic;

  beforeAll(async () => {
    g = await startCompatGateway();
    client = new Anthropic({ baseURL: g.t.url, apiKey: g.apiKey, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await g?.stop();
  });

  async function restAnswer(provider: string, model: string, body: Record<string, unknown>) {
    const r = await g.t.request('POST', `/api/ai/${provider}`, { token: g.apiKey, body: { model, no_cache: true, ...body } });
    expect(r.status).toBe(200);
    return r.body;
  }

  it('answers a message on the local provider with the same text and usage as REST, and the gateway headers', async () => {
    const { data, response } = await client.messages
      .create({ model: 'local-sim', max_tokens: 30, system: 'Be brief.', messages: [{ role: 'user', content: 'Tell me about forests' }] })
      .withResponse();
    const ref = await restAnswer('local', 'local-sim', { system_message: 'Be brief.', prompt: 'Tell me about forests', max_tokens: 30 });
    expect(data.type).toBe('message');
    expect(data.role).toBe('assistant');
    expect(data.model).toBe('local-sim');
    expect(data.content).toEqual([{ type: 'text', text: ref.response }]);
    expect(data.stop_reason).toBe(ref.finish_reason === 'length' ? 'max_tokens' : 'end_turn');
    expect(data.usage).toEqual({ input_tokens: ref.input_tokens, output_tokens: ref.output_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect([response.headers.get('x-gateway-cache'), response.headers.get('x-gateway-cost-usd')]).toEqual(['miss', '0']);
  });

  for (const [provider, model] of Object.entries(MODELS)) {
    it(`answers and streams through ${provider} (${model}) with Anthropic's event sequence`, async () => {
      const question = `Hi ${provider}, what's new?`;
      const ref = await restAnswer(provider, model.slice(provider.length + 1), { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }], max_tokens: 10 });
      expect(ref.response.startsWith(`Mock ${provider} answer to "${question}"`)).toBe(true);
      const params = { model, max_tokens: 10, system: [{ type: 'text' as const, text: 'Be brief.' }], messages: [{ role: 'user' as const, content: question }], no_cache: true };

      const m = await client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
      expect(m.model).toBe(`${provider}/${ref.model}`);
      expect(m.content).toEqual([{ type: 'text', text: ref.response }]);
      expect(m.stop_reason).toBe(ref.finish_reason === 'length' ? 'max_tokens' : 'end_turn');
      expect([m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0), m.usage.output_tokens]).toEqual([ref.input_tokens, ref.output_tokens]);

      const stream = client.messages.stream(params as Anthropic.MessageStreamParams);
      const types: string[] = [];
      stream.on('streamEvent', (e) => types.push(e.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: ref.response, ...(final.content[0] && 'citations' in final.content[0] ? { citations: final.content[0].citations } : {}) }]);
      expect(final.usage.output_tokens).toBe(ref.output_tokens);
      expect(final.usage.input_tokens + (final.usage.cache_read_input_tokens ?? 0)).toBe(ref.input_tokens);
      const deltas = types.filter((t) => t === 'content_block_delta').length;
      expect(deltas).toBeGreaterThanOrEqual(1);
      expect(types).toEqual(['message_start', 'content_block_start', ...Array(deltas).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    });
  }

  it('sends ping after message_start on the wire, and replays a cached stream in the same sequence', async () => {
    const read = async () => {
      const res = await fetch(`${g.t.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': g.apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'gemini-2.0-flash', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'cached stream' }] }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      return { cache: res.headers.get('x-gateway-cache'), events: [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]), text };
    };
    const first = await read();
    const second = await read();
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(first.events.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(second.events).toEqual(first.events);
    const texts = (t: string) => [...t.matchAll(/"text_delta","text":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!)).join('');
    expect(texts(second.text)).toBe(texts(first.text));
  });

  it('ends a stream that fails midway with an error event the SDK throws', async () => {
    g.mock.enqueue('openai', { dropAfterChunks: 2 });
    const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'drop me midway' }], no_cache: true } as Anthropic.MessageStreamParams);
    let text = '';
    stream.on('text', (t) => (text += t));
    const err = await stream.finalMessage().catch((e) => e);
    expect(text.startsWith('Mock openai answer to "drop me midway"')).toBe(true);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  for (const provider of TOOL_PROVIDERS) {
    it(`runs a tool_use / tool_result round trip through ${provider}, answered and streamed`, async () => {
      const model = MODELS[provider]!;
      const first = await client.messages.create({ model, max_tokens: 200, tools: [WEATHER], messages: [{ role: 'user', content: QUESTION }] });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
      expect([use.name, use.input]).toEqual(['get_weather', WEATHER_ARGS]);

      const streamed = await client.messages.stream({ model, max_tokens: 200, tools: [WEATHER], messages: [{ role: 'user', content: QUESTION }], no_cache: true } as Anthropic.MessageStreamParams).finalMessage();
      const streamedUse = streamed.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
      expect([streamedUse.name, streamedUse.input, streamed.stop_reason]).toEqual(['get_weather', WEATHER_ARGS, 'tool_use']);

      const second = await client.messages.create({
        model,
        max_tokens: 200,
        tools: [WEATHER],
        messages: [
          { role: 'user', content: QUESTION },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: RESULT }] },
        ],
      });
      expect(second.stop_reason).toBe('end_turn');
      expect((second.content[0] as Anthropic.TextBlock).text).toContain('temp_c');
    });
  }

  it('sends image blocks and stop sequences to the provider', async () => {
    const m = await client.messages.create({
      model: 'gemini/gemini-2.0-flash',
      max_tokens: 50,
      stop_sequences: ['END'],
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'text', text: 'Describe it' }] }],
    });
    expect((m.content[0] as Anthropic.TextBlock).text.startsWith('Mock gemini answer to "[1 image] Describe it"')).toBe(true);
    const sent = g.mock.requests.filter((q) => q.provider === 'gemini' && q.completion).at(-1)!.body as { generationConfig: { stopSequences: string[] } };
    expect(sent.generationConfig.stopSequences).toEqual(['END']);
  });

  it('answers errors in Anthropic shape: 401, 404 unknown model, 400', async () => {
    const stranger = new Anthropic({ baseURL: g.t.url, apiKey: 'aigw_wrong', maxRetries: 0 });
    const e401 = await stranger.messages.create({ model: 'local-sim', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(e401).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(e401.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(e401.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const unknown = await client.messages.create({ model: 'mystery-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect(unknown.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(unknown.error.error.message).toContain('mystery-model');

    const noMax = await client.messages.create({ model: 'local-sim', messages: [{ role: 'user', content: 'x' }] } as never).catch((e) => e);
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect(noMax.error.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: is required' });

    const server = await client.messages.create({ model: 'local-sim', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] } as never).catch((e) => e);
    expect(server.status).toBe(400);
    expect(server.error.error.message).toBe('messages.0.content.0.type: document blocks are not supported by this gateway');
  });

  it('refuses hostile nesting in a tool_use input with a 400, not a crash', async () => {
    const depth = 100_000;
    const input = '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
    const body = `{"model":"local-sim","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${input}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`;
    const r = await fetch(`${g.t.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': g.apiKey, 'content-type': 'application/json' }, body });
    expect(r.status).toBe(400);
    const json = await r.json();
    expect(json.type).toBe('error');
    expect(json.error).toEqual({ type: 'invalid_request_error', message: 'messages.1.content.0.input: is nested deeper than 32 levels' });
  });

  it('counts input tokens with the real tokenizer, validated like a request', async () => {
    const plain = await client.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hello world' }] });
    expect(plain).toEqual({ input_tokens: 2 });
    const withSystem = await client.messages.countTokens({ model: 'openai/gpt-4o-mini', system: 'Hello world', messages: [{ role: 'user', content: 'Hello world' }] });
    expect(withSystem.input_tokens).toBe(4);
    const bad = await client.messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(bad).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('records each call with its entry point', async () => {
    await client.messages.create({ model: 'local-sim', max_tokens: 5, messages: [{ role: 'user', content: 'recorded' }] });
    await g.t.app.services.recorder.flush();
    const rows = await g.t.app.services.db.prisma.apiCall.findMany({ where: { source: 'anthropic-messages', provider: 'local' } });
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });
});

describe('provider failures as the SDKs expect them', () => {
  it('answers 502 api_error for a failing provider, then 529 overloaded_error with Retry-After once its breaker opens', async () => {
    const g = await startCompatGateway('embedded', { MAX_RETRIES: '0', BREAKER_FAILURE_THRESHOLD: '1', BREAKER_COOLDOWN_MS: '60000' });
    try {
      const client = new Anthropic({ baseURL: g.t.url, apiKey: g.apiKey, maxRetries: 0 });
      const ask = () => client.messages.create({ model: 'gemini-2.0-flash', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
      g.mock.enqueue('gemini', { status: 500 });
      const failed = await ask();
      expect(failed).toBeInstanceOf(Anthropic.InternalServerError);
      expect([failed.status, failed.error.error.type]).toEqual([502, 'api_error']);
      const before = g.mock.count('gemini');
      const open = await ask();
      expect([open.status, open.error.error.type]).toEqual([529, 'overloaded_error']);
      // The breaker's cool-down left, in whole seconds (a second may pass on a loaded machine).
      expect([59, 60]).toContain(Number(open.headers.get('retry-after')));
      expect(g.mock.count('gemini')).toBe(before);
    } finally {
      await g.stop();
    }
  }, 60_000);
});
