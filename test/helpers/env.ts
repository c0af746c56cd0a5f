// Where the real PostgreSQL and Redis for tests live. Each test app gets its own
// database and its own key prefix in a dedicated Redis DB index.
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/9';

export type Backend = 'postgres+redis' | 'embedded';
export const BACKENDS: Backend[] = ['postgres+redis', 'embedded'];
