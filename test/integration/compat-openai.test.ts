// The OpenAI-compatible API as a user meets it: the official `openai` client with its baseURL
// pointed at the gateway and a gateway API key, calling every provider behind it (through the
// mock upstream) by provider/model, bare well-known names and aliases.
import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedding as mockEmbedding } from '../mock-upstream/core.js';
import { MODELS, PNG, QUESTION, RESULT, startCompatGateway, WEATHER_ARGS, type CompatGateway } from '../helpers/compat.js';
import { startTestApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};

/** Providers whose adapters translate tools (the others answer 400 unsupported_feature). */
const TOOL_PROVIDERS = ['openai', 'gemini', 'cohere', 'huggingface', 'ollama'];

describe('OpenAI SDK against the gateway', () => {
  let g: CompatGateway;
  let client: OpenAI;

  beforeAll(async () => {
    g = await startCompatGateway();
    client = new OpenAI({ baseURL: `${g.t.url}/v1`, apiKey: g.apiKey, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await g?.stop();
  });

  /** The REST answer to the same question (no cache), the reference a /v1 answer must equal. */
  async function restAnswer(provider: string, model: string, body: Record<string, unknown>) {
    const r = await g.t.request('POST', `/api/ai/${provider}`, { token: g.apiKey, body: { model, no_cache: true, ...body } });
    expect(r.status).toBe(200);
    return r.body;
  }

  it('answers a chat on the local provider by its bare name, with the same text and usage as REST, and the gateway headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'local-sim', messages: [{ role: 'user', content: 'Tell me about rivers' }], max_tokens: 40 })
      .withResponse();
    const ref = await restAnswer('local', 'local-sim', { prompt: 'Tell me about rivers', max_tokens: 40 });
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('local-sim');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message).toEqual({ role: 'assistant', content: ref.response, refusal: null });
    expect(data.choices[0]!.finish_reason).toBe(ref.finish_reason);
    expect(data.usage).toEqual({
      prompt_tokens: ref.input_tokens,
      completion_tokens: ref.output_tokens,
      total_tokens: ref.input_tokens + ref.output_tokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-gateway-cache')).toBe('miss');
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0');

    // The same request again is the cache's answer.
    const again = await client.chat.completions
      .create({ model: 'local-sim', messages: [{ role: 'user', content: 'Tell me about rivers' }], max_tokens: 40 })
      .withResponse();
    expect(again.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(again.data.choices[0]!.message.content).toBe(ref.response);
  });

  it('takes a JWT as well as an API key', async () => {
    const jwtClient = new OpenAI({ baseURL: `${g.t.url}/v1`, apiKey: await g.t.adminToken(), maxRetries: 0 });
    const r = await jwtClient.chat.completions.create({ model: 'local/local-sim', messages: [{ role: 'user', content: 'jwt' }] });
    expect(r.choices[0]!.message.content).toMatch(/^\[local simulated response\]/);
    expect(r.model).toBe('local/local-sim');
  });

  for (const [provider, model] of Object.entries(MODELS)) {
    it(`answers and streams through ${provider} (${model}) as the provider's own answer`, async () => {
      const question = `Hello ${provider}, how are you?`;
      const bare = model.slice(provider.length + 1);
      const ref = await restAnswer(provider, bare, { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }], max_tokens: 12 });
      expect(ref.response.startsWith(`Mock ${provider} answer to "${question.slice(0, 40)}"`)).toBe(true);

      const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: question }];
      const r = await client.chat.completions.create({ model, messages, max_tokens: 12, no_cache: true } as never) as OpenAI.ChatCompletion;
      expect(r.model).toBe(`${provider}/${ref.model}`);
      expect(r.choices[0]!.message.content).toBe(ref.response);
      expect(r.choices[0]!.finish_reason).toBe(ref.finish_reason);
      expect([r.usage!.prompt_tokens, r.usage!.completion_tokens]).toEqual([ref.input_tokens, ref.output_tokens]);

      const stream = await client.chat.completions.create({ model, messages, max_tokens: 12, stream: true, stream_options: { include_usage: true }, no_cache: true } as never) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        expect(chunk.object).toBe('chat.completion.chunk');
        if (chunk.choices[0]?.delta.content) text += chunk.choices[0].delta.content;
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(ref.response);
      expect(finish).toBe(ref.finish_reason);
      expect([usage?.prompt_tokens, usage?.completion_tokens]).toEqual([ref.input_tokens, ref.output_tokens]);
    });
  }

  it('streams without usage unless asked, and replays a cached stream in chunk format', async () => {
    const body = { model: 'gemini/gemini-2.0-flash', messages: [{ role: 'user' as const, content: 'A cached stream please' }], stream: true as const };
    const read = async () => {
      const { data, response } = await client.chat.completions.create(body).withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of data) chunks.push(c);
      return { chunks, cache: response.headers.get('x-gateway-cache') };
    };
    const first = await read();
    const second = await read();
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    const text = (cs: OpenAI.ChatCompletionChunk[]) => cs.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text(second.chunks)).toBe(text(first.chunks));
    expect(text(first.chunks)).toMatch(/^Mock gemini answer to "A cached stream please"/);
    expect(first.chunks.every((c) => !('usage' in c))).toBe(true);
    expect(second.chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('sends the stream cost as an HTTP trailer', async () => {
    const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'trailer please' }], stream: true, no_cache: true });
    const { trailers, headers, text } = await new Promise<{ trailers: NodeJS.Dict<string>; headers: NodeJS.Dict<string | string[]>; text: string }>((resolve, reject) => {
      const req = request(`${g.t.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${g.apiKey}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ trailers: res.trailers, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(headers['x-gateway-cache']).toBe('miss');
    expect(headers['x-gateway-cost-usd']).toBeUndefined();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // What the same answer costs over REST.
    const ref = await restAnswer('openai', 'gpt-4o-mini', { prompt: 'trailer please' });
    expect(ref.estimated_cost).toBeGreaterThan(0);
    expect(Number(trailers['x-gateway-cost-usd'])).toBe(ref.estimated_cost);
  });

  it('ends a stream that fails after its first chunk with an error event the SDK throws', async () => {
    g.mock.enqueue('gemini', { dropAfterChunks: 2 });
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages: [{ role: 'user', content: 'drop me midway' }], stream: true, no_cache: true } as never) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    expect(text.startsWith('Mock gemini answer to "drop me midway"')).toBe(true);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect([err.code, err.type]).toEqual(['provider_error', 'server_error']);
  });

  for (const provider of TOOL_PROVIDERS) {
    it(`runs a tool-calling round trip through ${provider}, answered and streamed`, async () => {
      const model = MODELS[provider]!;
      const first = await client.chat.completions.create({ model, messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER] });
      const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(first.choices[0]!.finish_reason).toBe('tool_calls');
      expect(first.choices[0]!.message.tool_calls).toHaveLength(1);
      expect([call.type, call.function.name, JSON.parse(call.function.arguments)]).toEqual(['function', 'get_weather', WEATHER_ARGS]);

      // The SDK's stream helper assembles the tool-call deltas itself.
      const streamed = await client.chat.completions
        .stream({ model, messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER], no_cache: true } as never)
        .finalChatCompletion();
      const streamedCall = streamed.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect([streamedCall.function.name, JSON.parse(streamedCall.function.arguments)]).toEqual(['get_weather', WEATHER_ARGS]);
      expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');

      const second = await client.chat.completions.create({
        model,
        tools: [WEATHER],
        messages: [
          { role: 'user', content: QUESTION },
          first.choices[0]!.message as OpenAI.ChatCompletionMessageParam,
          { role: 'tool', tool_call_id: call.id, content: RESULT },
        ],
      });
      expect(second.choices[0]!.finish_reason).toBe('stop');
      expect(second.choices[0]!.message.content).toContain('temp_c');
    });
  }

  it('sends images and JSON mode to the provider', async () => {
    const image = await client.chat.completions.create({
      model: 'gemini-2.0-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }],
    });
    expect(image.choices[0]!.message.content).toMatch(/^Mock gemini answer to "\[1 image\] What is in this picture\?"/);
    const json = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Answer in json: the capital of France' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ answer: 'Answer in json: the capital of France' });
  });

  it('routes an alias to its model and falls back to its fallback model when that fails', async () => {
    const r = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'alias one' }] });
    expect(r.model).toBe('gemini-2.0-flash');
    expect(r.choices[0]!.message.content).toMatch(/^Mock gemini answer to "alias one"/);
    for (let i = 0; i < 3; i++) g.mock.enqueue('gemini', { status: 500 });
    const fell = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'alias two' }] });
    expect(fell.model).toBe('openai/gpt-4o-mini');
    expect(fell.choices[0]!.message.content).toMatch(/^Mock openai answer to "alias two"/);
    expect(g.mock.requests.filter((q) => q.provider === 'openai' && q.completion).at(-1)!.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('answers errors in OpenAI shape: 401, 404 unknown model, 400 with param', async () => {
    const stranger = new OpenAI({ baseURL: `${g.t.url}/v1`, apiKey: 'aigw_not-a-key', maxRetries: 0 });
    const e401 = await stranger.chat.completions.create({ model: 'local-sim', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(e401).toBeInstanceOf(OpenAI.AuthenticationError);
    expect([e401.status, e401.code, e401.type]).toEqual([401, 'invalid_api_key', 'invalid_request_error']);

    const e404 = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(e404).toBeInstanceOf(OpenAI.NotFoundError);
    expect([e404.status, e404.code, e404.param]).toEqual([404, 'model_not_found', 'model']);
    expect(e404.message).toContain('no-such-model');
    const e404b = await client.chat.completions.create({ model: 'nosuchprovider/x', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(e404b.status).toBe(404);

    // A path under /v1 that no route has answers in the same shape.
    const nowhere = await g.t.request('POST', '/v1/completions', { token: g.apiKey, body: { model: 'local-sim', prompt: 'x' } });
    expect([nowhere.status, nowhere.body.error.type, nowhere.body.error.code]).toEqual([404, 'invalid_request_error', 'not_found']);
    expect(nowhere.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const n2 = await client.chat.completions.create({ model: 'local-sim', n: 2, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(n2).toBeInstanceOf(OpenAI.BadRequestError);
    expect([n2.status, n2.param, n2.code]).toEqual([400, 'n', 'validation_error']);

    const temp = await client.chat.completions.create({ model: 'local-sim', temperature: 7, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect([temp.status, temp.param]).toEqual([400, 'temperature']);

    const tools = await client.chat.completions.create({ model: MODELS.ollama!, tools: [WEATHER], tool_choice: 'required', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect([tools.status, tools.code]).toEqual([400, 'unsupported_feature']);
  });

  it('lets the SDK retry what a retry can fix and not what it cannot', async () => {
    const retrying = new OpenAI({ baseURL: `${g.t.url}/v1`, apiKey: g.apiKey, maxRetries: 1 });
    // Three upstream 500s exhaust the gateway's own retries (MAX_RETRIES=2): a 502 the SDK retries.
    const before = g.mock.count('openai');
    for (let i = 0; i < 3; i++) g.mock.enqueue('openai', { status: 500 });
    const ok = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'retry me' }] });
    expect(ok.choices[0]!.message.content).toMatch(/^Mock openai answer to "retry me"/);
    expect(g.mock.count('openai') - before).toBe(4);

    // The provider refusing the gateway's key: a retry cannot help, and the answer says so.
    const before2 = g.mock.count('openai');
    g.mock.enqueue('openai', { status: 401 });
    const e = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'auth fails' }] }).catch((x) => x);
    expect([e.status, e.code, e.headers.get('x-should-retry')]).toEqual([502, 'provider_auth_failed', 'false']);
    expect(g.mock.count('openai') - before2).toBe(1);
  });

  it('embeds with float and base64 encodings (local and OpenAI), and refuses providers without embeddings', async () => {
    const local = await client.embeddings.create({ model: 'local/local-embed', input: ['the river', 'a mountain'], encoding_format: 'float' });
    expect(local.data.map((d) => d.index)).toEqual([0, 1]);
    expect(local.data[0]!.embedding).toHaveLength(64);
    expect(Math.hypot(...local.data[0]!.embedding)).toBeCloseTo(1, 6);
    // The SDK asks for base64 by default and decodes it: the same vectors, as float32.
    const b64 = await client.embeddings.create({ model: 'local/local-embed', input: ['the river', 'a mountain'] });
    b64.data.forEach((d, i) => d.embedding.forEach((x, j) => expect(x).toBeCloseTo(local.data[i]!.embedding[j]!, 6)));
    expect(local.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });

    const openai = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world', encoding_format: 'float' });
    expect(openai.data[0]!.embedding).toEqual(mockEmbedding('hello world'));
    expect(openai.model).toBe('text-embedding-3-small');
    expect(g.mock.requests.filter((q) => q.path.endsWith('/embeddings')).at(-1)!.body).toMatchObject({ model: 'text-embedding-3-small', input: ['hello world'] });

    const refused = await client.embeddings.create({ model: 'anthropic/claude-3-5-sonnet-20241022', input: 'x' }).catch((e) => e);
    expect([refused.status, refused.code]).toEqual([400, 'unsupported_feature']);
    const empty = await client.embeddings.create({ model: 'local/local-embed', input: [] }).catch((e) => e);
    expect([empty.status, empty.param]).toEqual([400, 'input']);
  });

  it('lists and retrieves the configured models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    for (const id of ['local/local-sim', 'local-sim', 'openai/gpt-4o-mini', 'gpt-4o-mini', 'anthropic/claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-20241022', 'gemini-2.0-flash', 'ollama/llama3.1', 'fast', 'smart', 'openai/text-embedding-3-small']) {
      expect(ids).toContain(id);
    }
    expect(ids).not.toContain('llama3.1'); // no prefix routes a bare ollama name
    expect(new Set(ids).size).toBe(ids.length);
    const fast = await client.models.retrieve('fast');
    expect([fast.id, fast.owned_by, fast.object]).toEqual(['fast', 'gemini', 'model']);
    const slashed = await client.models.retrieve('huggingface/meta-llama/Llama-3.1-8B-Instruct');
    expect(slashed.owned_by).toBe('huggingface');
    const missing = await client.models.retrieve('nope').catch((e) => e);
    expect([missing.status, missing.code]).toEqual([404, 'model_not_found']);
  });

  it('answers the Responses API with text input and instructions, like a chat', async () => {
    const ref = await restAnswer('local', 'local-sim', { system_message: 'Be terse.', prompt: 'Describe a harbor', max_tokens: 30 });
    const { data, response } = await client.responses.create({ model: 'local-sim', instructions: 'Be terse.', input: 'Describe a harbor', max_output_tokens: 30 }).withResponse();
    expect([data.object, data.status, data.model, (data as unknown as { store: boolean }).store]).toEqual(['response', ref.finish_reason === 'length' ? 'incomplete' : 'completed', 'local-sim', false]);
    expect(data.output_text).toBe(ref.response);
    expect(data.output).toHaveLength(1);
    expect(data.usage).toEqual({ input_tokens: ref.input_tokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: ref.output_tokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: ref.input_tokens + ref.output_tokens });
    expect(response.headers.get('x-gateway-cache')).toBe('miss');

    const stream = client.responses.stream({ model: 'local-sim', instructions: 'Be terse.', input: [{ role: 'user', content: 'Describe a harbor' }], max_output_tokens: 30 });
    const types: string[] = [];
    const seqs: number[] = [];
    stream.on('event', (e) => {
      types.push(e.type);
      seqs.push(e.sequence_number);
    });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(ref.response);
    const deltas = types.filter((t) => t === 'response.output_text.delta').length;
    expect(deltas).toBeGreaterThanOrEqual(1);
    const end = ref.finish_reason === 'length' ? 'response.incomplete' : 'response.completed';
    expect(types).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', ...Array(deltas).fill('response.output_text.delta'),
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', end,
    ]);
    expect(seqs).toEqual(types.map((_, i) => i));
  });

  for (const provider of ['gemini', 'anthropic']) {
    it(`runs function tools through the Responses API on ${provider}, answered and streamed`, async () => {
      const tool = { type: 'function' as const, name: 'get_weather', description: 'The weather in a city', parameters: WEATHER.function.parameters, strict: false };
      const first = await client.responses.create({ model: MODELS[provider]!, input: QUESTION, tools: [tool] });
      const call = first.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect([call.name, JSON.parse(call.arguments), call.status]).toEqual(['get_weather', WEATHER_ARGS, 'completed']);

      const stream = client.responses.stream({ model: MODELS[provider]!, input: QUESTION, tools: [tool], no_cache: true } as never);
      const argDeltas: string[] = [];
      stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
      const streamed = await stream.finalResponse();
      const streamedCall = streamed.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect([streamedCall.name, JSON.parse(streamedCall.arguments)]).toEqual(['get_weather', WEATHER_ARGS]);
      expect(argDeltas.join('')).toBe(streamedCall.arguments);

      const second = await client.responses.create({
        model: MODELS[provider]!,
        tools: [tool],
        input: [
          { role: 'user', content: QUESTION },
          // The answer's output items sent back as they came (ids and statuses included).
          ...(first.output as OpenAI.Responses.ResponseInputItem[]),
          { type: 'function_call_output', call_id: call.call_id, output: RESULT },
        ],
      });
      expect(second.output_text).toContain('temp_c');
    });
  }

  it('asks for JSON through the Responses text.format', async () => {
    const r = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Answer in json: the capital of Spain', text: { format: { type: 'json_object' } } });
    expect(JSON.parse(r.output_text)).toEqual({ answer: 'Answer in json: the capital of Spain' });
    expect(g.mock.requests.filter((q) => q.provider === 'openai' && q.completion).at(-1)!.body).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('refuses what needs stored state, clearly', async () => {
    const prev = await client.responses.create({ model: 'local-sim', input: 'x', previous_response_id: 'resp_123' }).catch((e) => e);
    expect([prev.status, prev.param, prev.code]).toEqual([400, 'previous_response_id', 'validation_error']);
    expect(prev.message).toContain('stateless');
    const store = await client.responses.create({ model: 'local-sim', input: 'x', store: true }).catch((e) => e);
    expect([store.status, store.param]).toEqual([400, 'store']);
    const web = await client.responses.create({ model: 'local-sim', input: 'x', tools: [{ type: 'web_search' }] }).catch((e) => e);
    expect([web.status, web.param]).toEqual([400, 'tools.0.type']);
  });

  it('records each call with its entry point', async () => {
    await client.chat.completions.create({ model: 'local-sim', messages: [{ role: 'user', content: 'recorded call' }] });
    await client.responses.create({ model: 'gemini-2.0-flash', input: 'recorded response' });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'recorded embedding' });
    await g.t.app.services.recorder.flush();
    const rows = await g.t.app.services.db.prisma.apiCall.findMany({ where: { source: { in: ['openai-chat', 'openai-embeddings', 'openai-responses'] } } });
    expect(rows.some((r) => r.source === 'openai-chat' && r.provider === 'local')).toBe(true);
    expect(rows.some((r) => r.source === 'openai-responses' && r.provider === 'gemini')).toBe(true);
    expect(rows.some((r) => r.source === 'openai-embeddings' && r.provider === 'openai' && r.model === 'text-embedding-3-small')).toBe(true);
  });
});

describe('rate limits and aliases configuration', () => {
  it('answers 429 with Retry-After when the caller is over USER_RATE_LIMIT', async () => {
    const g = await startCompatGateway('embedded', { USER_RATE_LIMIT: '2/minute' });
    try {
      const client = new OpenAI({ baseURL: `${g.t.url}/v1`, apiKey: g.apiKey, maxRetries: 0 });
      const ask = () => client.chat.completions.create({ model: 'local-sim', messages: [{ role: 'user', content: 'limit' }] });
      await ask();
      await ask();
      const e = await ask().catch((x) => x);
      expect(e).toBeInstanceOf(OpenAI.RateLimitError);
      expect([e.status, e.code, e.type]).toEqual([429, 'rate_limit_exceeded', 'rate_limit_error']);
      expect(Number(e.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(e.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    } finally {
      await g.stop();
    }
  }, 60_000);

  it('refuses a bad MODEL_ALIASES file at start with one line per problem', () => {
    expect(() => loadConfig({ MODEL_ALIASES: '/nonexistent/aliases.json' })).toThrow('MODEL_ALIASES=/nonexistent/aliases.json is invalid: cannot be read (ENOENT)');
    void startTestApp;
  });
});
