import { encode } from 'gpt-tokenizer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalProvider } from '../../src/providers/local/index.js';
import type { ChatRequest, StreamEvent } from '../../src/providers/types.js';
import { UpstreamError } from '../../src/providers/types.js';

const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'local-sim',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content },
  ],
  ...extra,
});
const opts = () => ({ signal: new AbortController().signal });

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('local provider', () => {
  const local = createLocalProvider({});

  it('says plainly that it is simulated', () => {
    expect(local.name).toBe('local');
    expect(local.label).toBe('Local simulated provider (no real model)');
    expect(local.defaultModel).toBe('local-sim');
    expect(local.models).toContain('local-sim');
    expect(local.isConfigured()).toBe(true);
    expect(createLocalProvider({ defaultModel: 'other' }).defaultModel).toBe('other');
  });

  it('is deterministic: same request, same answer; different request, different answer', async () => {
    const a = await local.chat(req('Tell me about rivers'), opts());
    const b = await createLocalProvider({}).chat(req('Tell me about rivers'), opts());
    const c = await local.chat(req('Tell me about mountains'), opts());
    const d = await local.chat(req('Tell me about rivers', { temperature: 0.9 }), opts());
    expect(a.text).toBe(b.text);
    expect(a.text.startsWith('[local simulated response] ')).toBe(true);
    expect(c.text).not.toBe(a.text);
    expect(d.text).not.toBe(a.text);
    expect(a.model).toBe('local-sim');
    expect(a.finishReason).toMatch(/^(stop|length)$/);
  });

  it('reports token counts computed with gpt-tokenizer', async () => {
    const r = await local.chat(req('Count my tokens, please'), opts());
    expect(r.inputTokens).toBe(encode('Be brief.').length + encode('Count my tokens, please').length);
    expect(r.outputTokens).toBe(encode(r.text).length);
    expect(r.outputTokens).toBeLessThanOrEqual(64);
  });

  it('bounds the output by maxTokens', async () => {
    for (const maxTokens of [1, 7, 12, 30]) {
      const r = await local.chat(req('A long story please', { maxTokens }), opts());
      expect(r.outputTokens).toBeLessThanOrEqual(maxTokens);
      expect(encode(r.text).length).toBeLessThanOrEqual(maxTokens);
    }
    const cut = await local.chat(req('A long story please', { maxTokens: 8 }), opts());
    expect(cut.outputTokens).toBe(8);
    expect(cut.finishReason).toBe('length');
    const none = await local.chat(req('Nothing at all', { maxTokens: 0 }), opts());
    expect(none.text).toBe('');
    expect(none.outputTokens).toBe(0);
  });

  it('streams deltas whose concatenation equals the chat text, then one done event', async () => {
    const request = req('Stream me something');
    const chat = await local.chat(request, opts());
    const events = await collect(local.stream(request, opts()));
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((d) => d.text).join('')).toBe(chat.text);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: chat.finishReason,
      inputTokens: chat.inputTokens,
      outputTokens: chat.outputTokens,
      model: 'local-sim',
    });
  });

  describe('on a fake clock', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits latencyMs before answering and paces the stream by tokensPerSecond', async () => {
      const slow = createLocalProvider({ latencyMs: 60 });
      let answered = false;
      const chat = slow.chat(req('hi'), opts()).then((r) => ((answered = true), r));
      await vi.advanceTimersByTimeAsync(59);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(answered).toBe(true);
      expect((await chat).latencyMs).toBe(60);

      // 20 tokens at 500/s: one every 2 ms from the first.
      const paced = createLocalProvider({ tokensPerSecond: 500 });
      const t0 = performance.now();
      const at: number[] = [];
      const streamed = (async () => {
        for await (const e of paced.stream(req('pace me', { maxTokens: 20 }), opts())) if (e.type === 'delta') at.push(performance.now() - t0);
      })();
      await vi.runAllTimersAsync();
      await streamed;
      expect(at).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    });

    it('stops waiting when the signal aborts', async () => {
      const slow = createLocalProvider({ latencyMs: 1000 });
      const controller = new AbortController();
      const chat = slow.chat(req('hi'), { signal: controller.signal }).catch((e: unknown) => e);
      expect(vi.getTimerCount()).toBe(1); // its latency
      controller.abort();
      const err = await chat;
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).kind).toBe('aborted');
      expect(vi.getTimerCount()).toBe(0); // the wait was cancelled, not run out
    });
  });

  it('honours the abort signal in chat and mid-stream', async () => {

    const already = AbortSignal.abort();
    await expect(local.chat(req('hi'), { signal: already })).rejects.toMatchObject({ kind: 'aborted' });

    const paced = createLocalProvider({ tokensPerSecond: 100 });
    const streamController = new AbortController();
    const seen: StreamEvent[] = [];
    const streamErr = await (async () => {
      for await (const e of paced.stream(req('stream then stop'), { signal: streamController.signal })) {
        seen.push(e);
        if (seen.length === 2) streamController.abort();
      }
    })().catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(UpstreamError);
    expect((streamErr as UpstreamError).kind).toBe('aborted');
    expect(seen).toHaveLength(2);
  });

  it('health always resolves and embeddings are deterministic unit vectors', async () => {
    await expect(local.health(opts())).resolves.toBeUndefined();
    const [a, b, c] = await local.embed!(['the quick brown fox', 'the quick brown fox', 'tax law'], opts());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 6);
  });
});

describe('local provider: tools and JSON output', () => {
  const local = createLocalProvider({});
  const WEATHER = {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', minLength: 3 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 2, maximum: 9 },
        when: { type: 'string', format: 'date' },
        stops: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, minItems: 2 },
        optional: { type: 'string' },
      },
      required: ['city', 'unit', 'days', 'when', 'stops'],
    },
  };
  const TIME = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', maxLength: 5 } }, required: ['zone'] } };
  const ARGS = { city: 'example city', unit: 'celsius', days: 2, when: '2025-01-01', stops: [{ name: 'example name' }, { name: 'example name' }] };
  const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'local-sim', messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra });

  it('declares what it acts out, and not images, which it cannot look at', () => {
    expect([...local.features].sort()).toEqual(['json_object', 'json_schema', 'parallel_tool_calls', 'penalties', 'seed', 'tool_choice_required', 'tools', 'user']);
  });

  it('calls the first tool with the required properties filled deterministically; tool_choice names another; none answers text', async () => {
    const first = await local.chat(ask({ tools: [WEATHER, TIME] }), opts());
    expect(first).toMatchObject({ text: '', finishReason: 'tool_calls', outputTokens: encode('get_weather' + JSON.stringify(ARGS)).length });
    expect(first.toolCalls).toEqual([{ id: expect.stringMatching(/^call_[0-9a-f]{16}$/), name: 'get_weather', arguments: JSON.stringify(ARGS) }]);
    expect((await local.chat(ask({ tools: [WEATHER, TIME] }), opts())).toolCalls).toEqual(first.toolCalls);

    const named = await local.chat(ask({ tools: [WEATHER, TIME], toolChoice: { name: 'get_time' } }), opts());
    expect(named.toolCalls?.map((c) => [c.name, c.arguments])).toEqual([['get_time', '{"zone":"examp"}']]);
    expect(named.toolCalls![0]!.id).not.toBe(first.toolCalls![0]!.id);

    const none = await local.chat(ask({ tools: [WEATHER], toolChoice: 'none' }), opts());
    expect([none.toolCalls, none.finishReason === 'tool_calls', none.text.startsWith('[local simulated response] ')]).toEqual([undefined, false, true]);
  });

  it('answers a tool result with a text that uses it, and counts the tools and calls as input', async () => {
    const call = { id: 'call_7', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const request = ask({
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', content: '{"temp_c":21}', toolCallId: 'call_7' },
      ],
    });
    const r = await local.chat(request, opts());
    expect(r).toMatchObject({ text: '[local simulated response] get_weather returned: {"temp_c":21}', finishReason: 'stop' });
    expect(r.inputTokens).toBe(
      encode('Weather in Paris?').length + encode('{"temp_c":21}').length + encode('get_weather{"city":"Paris"}').length + encode(JSON.stringify([WEATHER])).length,
    );
    // An explicit max_tokens still cuts it.
    expect(await local.chat({ ...request, maxTokens: 3 }, opts())).toMatchObject({ outputTokens: 3, finishReason: 'length' });
  });

  it('streams a call as the providers do: id and name first, then the arguments in pieces', async () => {
    const chat = await local.chat(ask({ tools: [WEATHER] }), opts());
    const events = await collect(local.stream(ask({ tools: [WEATHER] }), opts()));
    const pieces = events.filter((e) => e.type === 'tool_call');
    expect(pieces[0]).toEqual({ type: 'tool_call', index: 0, id: chat.toolCalls![0]!.id, name: 'get_weather' });
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.slice(1).every((p) => p.type === 'tool_call' && p.id === undefined && p.name === undefined)).toBe(true);
    expect(pieces.map((p) => (p.type === 'tool_call' ? (p.arguments ?? '') : '')).join('')).toBe(chat.toolCalls![0]!.arguments);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls', inputTokens: chat.inputTokens, outputTokens: chat.outputTokens, model: 'local-sim' });
  });

  it('answers valid JSON in JSON mode, and an object with the required properties for a json_schema', async () => {
    const obj = await local.chat(ask({ responseFormat: { type: 'json_object' } }), opts());
    expect(JSON.parse(obj.text)).toEqual({ answer: '[local simulated response] Weather in Paris?' });
    const schema = { type: 'object', properties: { temp: { type: 'number', exclusiveMinimum: 0 }, sky: { anyOf: [{ type: 'null' }, { type: 'string', format: 'email' }] }, ok: { type: 'boolean' } }, required: ['temp', 'sky', 'ok'] };
    const shaped = await local.chat(ask({ responseFormat: { type: 'json_schema', name: 'report', schema } }), opts());
    expect(JSON.parse(shaped.text)).toEqual({ temp: 1, sky: 'user@example.com', ok: true });
    expect(shaped.finishReason).toBe('stop');
    // A seed changes the made-up text, as it would a model's sampling.
    expect((await local.chat(ask({ seed: 1 }), opts())).text).not.toBe((await local.chat(ask({ seed: 2 }), opts())).text);
  });
});
