// Coalescing across instances on one shared kv: the leader tells the followers of other
// instances that the entry is there only when one waits for it (a follower also looks for
// the entry itself, so the notification saves it time, not correctness).
import { describe, expect, it } from 'vitest';
import { ResponseCache, type CachedCompletion } from '../../src/cache/response-cache.js';
import { MemoryPubSub, MemoryStore } from '../../src/kv/memory.js';
import { createLogger } from '../../src/logger.js';

/** The real in-process pub/sub, remembering what was published. */
class RecordingPubSub extends MemoryPubSub {
  readonly published: { channel: string; payload: unknown }[] = [];
  override async publish(channel: string, payload: unknown) {
    this.published.push({ channel, payload });
    return super.publish(channel, payload);
  }
}

const entry = (text: string): CachedCompletion => ({
  provider: 'openai', model: 'gpt-4o', text, finishReason: 'stop', inputTokens: 3, outputTokens: 5, costUsd: 0.001, costEstimated: false, createdAt: new Date(0).toISOString(),
});

function twoInstances() {
  const kv = new MemoryStore();
  const pubsub = new RecordingPubSub();
  const options = { enabled: true, ttlSeconds: 60, coalesceWaitMs: 5_000 };
  const logger = createLogger('error');
  return { pubsub, a: new ResponseCache(kv, pubsub, options, logger), b: new ResponseCache(kv, pubsub, options, logger) };
}

describe('ResponseCache.getOrCoalesce across instances', () => {
  it('computes once, stores the entry and sends no notification when nobody waits; then it is a hit', async () => {
    const { pubsub, a, b } = twoInstances();
    const led = await a.getOrCoalesce('c:k1', {}, async () => ({ value: 'computed', entry: entry('answer') }));
    expect(led).toEqual({ value: 'computed', role: 'leader' });
    expect(pubsub.published).toEqual([]);
    const hit = await b.getOrCoalesce('c:k1', {}, async () => ({ value: 'not again', entry: null }));
    expect(hit.role).toBe('hit');
    expect(hit.value).toMatchObject({ text: 'answer' });
  });

  it("tells another instance's waiting follower once the entry is written", async () => {
    const { pubsub, a, b } = twoInstances();
    let started!: () => void;
    const computing = new Promise<void>((r) => (started = r));
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const leader = a.getOrCoalesce('c:k2', {}, async () => {
      started();
      await finished;
      return { value: 'computed', entry: entry('shared answer') };
    });
    await computing; // a holds the lock
    const notified = new Promise<unknown>((r) => void pubsub.subscribe('fill:c:k2', r));
    const follower = b.getOrCoalesce('c:k2', {}, async () => ({ value: 'b computed it too', entry: null }));
    // b's lookup on the memory kv is done within this turn: by then it has marked that it waits.
    await new Promise((r) => setImmediate(r));
    finish();
    expect(await leader).toEqual({ value: 'computed', role: 'leader' });
    expect(await notified).toEqual({ ok: true });
    const got = await follower;
    expect(got.role).toBe('follower');
    expect(got.value).toMatchObject({ text: 'shared answer' });
    expect(pubsub.published).toEqual([{ channel: 'fill:c:k2', payload: { ok: true } }]);
  });
});
