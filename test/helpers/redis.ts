import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './env.js';

/** Deletes every key under a test's prefix (SCAN, never KEYS). */
export async function deleteRedisPrefix(prefix: string) {
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}
