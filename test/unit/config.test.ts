import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRateLimit } from '../../src/config.js';
import { PROVIDER_NAMES } from '../../src/providers/registry.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('config', () => {
  it('has working defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.cacheTtlSeconds).toBe(86400);
    expect(c.enableCaching).toBe(true);
    expect(c.enableStreaming).toBe(true);
    expect(c.analyticsEnabled).toBe(true);
    expect(c.defaultProvider).toBe('local');
    expect(c.adminUsername).toBe('admin');
    expect(c.adminPassword).toBe('admin123');
    expect(c.providers.ollama.baseUrl).toBeUndefined();
  });

  it('keeps analytics across outages by default: a bounded queue, then a spill folder under DATA_DIR', () => {
    const c = loadConfig({});
    expect([c.analyticsMaxQueue, c.analyticsSpillDir, c.analyticsSpillMaxBytes, c.analyticsRetentionDays]).toEqual([100_000, 'data/analytics-spill', 256 * 1024 * 1024, 0]);
    expect(loadConfig({ DATA_DIR: 'memory://' }).analyticsSpillDir).toBeUndefined();
    expect(loadConfig({ DATA_DIR: 'memory://', ANALYTICS_SPILL_DIR: '/var/spill' }).analyticsSpillDir).toBe('/var/spill');
    expect(loadConfig({ ANALYTICS_SPILL_MAX_MB: '0' }).analyticsSpillDir).toBeUndefined();
    const set = loadConfig({ ANALYTICS_MAX_QUEUE: '5000', ANALYTICS_SPILL_MAX_MB: '10', ANALYTICS_RETENTION_DAYS: '90' });
    expect([set.analyticsMaxQueue, set.analyticsSpillMaxBytes, set.analyticsRetentionDays]).toEqual([5000, 10 * 1024 * 1024, 90]);
    expect(problems({ ANALYTICS_RETENTION_DAYS: '-1', ANALYTICS_MAX_QUEUE: 'lots' })).toEqual([
      'ANALYTICS_MAX_QUEUE=lots is invalid: expected an integer from 10 to 10000000',
      'ANALYTICS_RETENTION_DAYS=-1 is invalid: expected an integer from 0 to 36500',
    ]);
  });

  it('reads the guide variables', () => {
    const c = loadConfig({
      PORT: '9000', REDIS_URL: 'redis://localhost:6379', REDIS_CACHE_TTL: '60', ENABLE_OPTIMIZATION: 'true', ENABLE_CACHING: 'false',
      ENABLE_STREAMING: 'false', AGGRESSIVE_OPTIMIZATION: 'true', ANALYTICS_ENABLED: 'false', ALERT_EMAIL: 'ops@example.com',
      GEMINI_API_KEY: 'g', OPENAI_API_KEY: 'o', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/', GEMINI_RATE_LIMIT: '100/minute',
    });
    expect(c.port).toBe(9000);
    expect(c.redisUrl).toBe('redis://localhost:6379');
    expect(c.cacheTtlSeconds).toBe(60);
    expect([c.enableOptimization, c.enableCaching, c.enableStreaming, c.aggressiveOptimization, c.analyticsEnabled]).toEqual([true, false, false, true, false]);
    expect(c.alertEmail).toBe('ops@example.com');
    expect(c.providers.gemini.apiKey).toBe('g');
    expect(c.providers.openai.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(c.providers.gemini.rateLimit).toEqual({ limit: 100, windowSeconds: 60, text: '100/minute' });
    expect(c.defaultProvider).toBe('openai');
  });

  it('names each bad variable and what it expects, all at once', () => {
    const p = problems({ PORT: 'abc', REDIS_CACHE_TTL: '-5', ENABLE_CACHING: 'maybe', REDIS_URL: 'http://x', GEMINI_RATE_LIMIT: 'lots', ALERT_EMAIL: 'nope' });
    expect(p).toHaveLength(6);
    expect(p.find((l) => l.startsWith('PORT='))).toMatch(/expected an integer/);
    expect(p.find((l) => l.startsWith('REDIS_CACHE_TTL='))).toMatch(/expected an integer from 1/);
    expect(p.find((l) => l.startsWith('ENABLE_CACHING='))).toMatch(/expected true or false/);
    expect(p.find((l) => l.startsWith('REDIS_URL'))).toMatch(/redis:\/\//);
    expect(p.find((l) => l.startsWith('GEMINI_RATE_LIMIT'))).toMatch(/100\/minute/);
    expect(p.find((l) => l.startsWith('ALERT_EMAIL'))).toMatch(/e-mail/);
  });

  it('refuses production with a weak JWT secret or the default admin password', () => {
    const p = problems({ NODE_ENV: 'production' });
    expect(p.some((l) => l.startsWith('JWT_SECRET'))).toBe(true);
    expect(p.some((l) => l.startsWith('ADMIN_PASSWORD'))).toBe(true);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31), ADMIN_PASSWORD: 'a-strong-one' })).toHaveLength(1);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ADMIN_PASSWORD: 'a-strong-one' })).toEqual([]);
  });

  it('has no built-in JWT secret: unset means one generated per database', () => {
    const c = loadConfig({});
    expect(c.jwtSecret).toBeUndefined();
    expect(c.jwtSecretIsGenerated).toBe(true);
    expect(loadConfig({ JWT_SECRET: 's'.repeat(40) })).toMatchObject({ jwtSecret: 's'.repeat(40), jwtSecretIsGenerated: false });
  });

  it('reads token lifetimes as durations and refuses what is not one', () => {
    expect(loadConfig({}).jwtExpiresInSeconds).toBe(86_400);
    expect(loadConfig({ JWT_EXPIRES_IN: '15m' })).toMatchObject({ jwtExpiresIn: '15m', jwtExpiresInSeconds: 900 });
    expect(loadConfig({ JWT_EXPIRES_IN: '7d' }).jwtExpiresInSeconds).toBe(604_800);
    expect(loadConfig({ JWT_EXPIRES_IN: '3600' }).jwtExpiresInSeconds).toBe(3600);
    for (const bad of ['forever', '10', '400d', '1.5h', '-1h']) {
      expect(problems({ JWT_EXPIRES_IN: bad }), bad).toEqual([`JWT_EXPIRES_IN=${bad} is invalid: expected a duration from 60s to 366d, e.g. 15m, 12h or 7d`]);
    }
  });

  it('reads the auth, login and database pool settings', () => {
    expect(loadConfig({})).toMatchObject({
      authCacheTtlSeconds: 5, authCacheStaleSeconds: 3600, loginMaxFailuresPerUser: 10, loginMaxFailuresPerIp: 100,
      loginWindowSeconds: 900, loginConcurrency: 2, loginQueueMax: 100, trustProxyHops: 0, databasePoolSize: 10, databaseConnectTimeoutMs: 5000,
    });
    const c = loadConfig({ LOGIN_MAX_FAILURES_PER_USER: '5', TRUST_PROXY_HOPS: '1', DATABASE_POOL_SIZE: '30', LOGIN_QUEUE_MAX: '0' });
    expect(c).toMatchObject({ loginMaxFailuresPerUser: 5, trustProxyHops: 1, databasePoolSize: 30, loginQueueMax: 0 });
    expect(problems({ LOGIN_CONCURRENCY: '0', DATABASE_POOL_SIZE: 'many', AUTH_CACHE_TTL_SECONDS: '0' })).toHaveLength(3);
  });

  it('reads the GraphQL limits, with defaults the standard introspection query fits in', () => {
    expect(loadConfig({}).graphqlLimits).toEqual({ maxTokens: 5000, maxDepth: 20, maxAliases: 30, maxFields: 500, maxCost: 1000, maxOperations: 10 });
    expect(loadConfig({}).wsMaxSubscriptions).toBe(100);
    const c = loadConfig({
      GRAPHQL_MAX_TOKENS: '100', GRAPHQL_MAX_DEPTH: '5', GRAPHQL_MAX_ALIASES: '0', GRAPHQL_MAX_FIELDS: '50', GRAPHQL_MAX_COST: '200',
      GRAPHQL_MAX_OPERATIONS: '1', GRAPHQL_WS_MAX_SUBSCRIPTIONS: '3',
    });
    expect([c.graphqlLimits, c.wsMaxSubscriptions]).toEqual([{ maxTokens: 100, maxDepth: 5, maxAliases: 0, maxFields: 50, maxCost: 200, maxOperations: 1 }, 3]);
    // The depth also bounds the parser's recursion: it has a ceiling.
    expect(problems({ GRAPHQL_MAX_DEPTH: '5000', GRAPHQL_MAX_COST: '0' })).toEqual([
      'GRAPHQL_MAX_DEPTH=5000 is invalid: expected an integer from 1 to 100',
      'GRAPHQL_MAX_COST=0 is invalid: expected an integer from 1 to 100000000',
    ]);
  });

  it('parses rate limits', () => {
    expect(parseRateLimit('10/second')).toMatchObject({ limit: 10, windowSeconds: 1 });
    expect(parseRateLimit('5 / hour')).toMatchObject({ limit: 5, windowSeconds: 3600 });
    expect(parseRateLimit('0/minute')).toBeUndefined();
    expect(parseRateLimit('10/fortnight')).toBeUndefined();
  });

  it("reads each registry provider's settings, and picks the default provider from them", () => {
    const env: Record<string, string> = { LOCAL_LATENCY_MS: '40', LOCAL_TOKENS_PER_SECOND: '500' };
    for (const name of PROVIDER_NAMES) env[`${name.toUpperCase()}_MODEL`] = `${name}-model`;
    const c = loadConfig(env);
    expect(Object.keys(c.providers)).toEqual(PROVIDER_NAMES);
    for (const name of PROVIDER_NAMES) expect(c.providers[name].defaultModel).toBe(`${name}-model`);
    expect(c.providers.local).toMatchObject({ settings: { latencyMs: 40, tokensPerSecond: 500 } });
    expect(c.providers.local.apiKey).toBeUndefined();
    expect(c.defaultProvider).toBe('local'); // no key anywhere: the built-in one
    expect(loadConfig({ COHERE_API_KEY: 'k', GEMINI_API_KEY: 'k' }).defaultProvider).toBe('gemini'); // the first with a key
    expect(loadConfig({ OLLAMA_BASE_URL: 'http://h:11434' }).defaultProvider).toBe('local'); // Ollama needs no key, so is never assumed
    expect(problems({ EMBEDDINGS_PROVIDER: 'anthropic' })).toEqual(['EMBEDDINGS_PROVIDER=anthropic is invalid: expected one of openai, gemini, cohere, ollama']);
  });
});
