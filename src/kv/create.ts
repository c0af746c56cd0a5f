import { MemoryPubSub, MemoryStore } from './memory.js';
import { RedisPubSubAdapter, RedisStore } from './redis.js';
import type { KeyValueStore, PubSub } from './types.js';

export interface SharedState {
  kv: KeyValueStore;
  pubsub: PubSub;
}

export function createSharedState(options: { redisUrl?: string; keyPrefix: string; commandTimeoutMs: number; memoryMaxKeys?: number }): SharedState {
  if (!options.redisUrl) return { kv: new MemoryStore(options.memoryMaxKeys), pubsub: new MemoryPubSub() };
  return {
    kv: new RedisStore({ url: options.redisUrl, keyPrefix: options.keyPrefix, commandTimeoutMs: options.commandTimeoutMs }),
    pubsub: new RedisPubSubAdapter(options.redisUrl, options.keyPrefix, options.commandTimeoutMs),
  };
}
