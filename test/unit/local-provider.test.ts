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
