import { MemoryPubSub, MemoryStore } from './memory.js';
import type { KeyValueStore, PubSub } from './types.js';

export interface SharedState {
  kv: KeyValueStore;
  pubsub: PubSub;
  /** Whether the store answers within `timeoutMs` (the in-memory one at once). */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
}

export async function createSharedState(options: { redisUrl?: string; keyPrefix: string; commandTimeoutMs: number; memoryMaxKeys?: number }): Promise<SharedState> {
  if (!options.redisUrl) return { kv: new MemoryStore(options.memoryMaxKeys), pubsub: new MemoryPubSub(), waitUntilReady: async () => true };
  // The Redis client is imported only when Redis is configured.
  const { RedisPubSubAdapter, RedisStore } = await import('./redis.js');
  const kv = new RedisStore({ url: options.redisUrl, keyPrefix: options.keyPrefix, commandTimeoutMs: options.commandTimeoutMs });
  return {
    kv,
    pubsub: new RedisPubSubAdapter(options.redisUrl, options.keyPrefix, options.commandTimeoutMs),
    waitUntilReady: (timeoutMs) => kv.waitUntilReady(timeoutMs),
  };
}
