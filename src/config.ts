// The environment, parsed and validated once at start. Nothing else in the
// gateway reads process.env: it receives this typed object.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './graphql/limit-defaults.js';
import { loadModelAliases, type ModelAlias } from './compat/model-names.js';
import { PROVIDER_INFOS, PROVIDER_NAMES, type ProviderName } from './providers/registry.js';
import type { NumberSettingKey, ProviderInfo } from './providers/shared.js';

export type ConfiguredProviderName = ProviderName;
const info = (name: ProviderName): ProviderInfo => PROVIDER_INFOS[name];
/** The provider that needs no setup: the default until another has a key. */
const BUILT_IN = PROVIDER_NAMES.find((n) => info(n).builtIn)!;
/** What EMBEDDINGS_PROVIDER may name. */
const EMBEDDING_PROVIDERS = PROVIDER_NAMES.filter((n) => !info(n).builtIn && (info(n).embeds || info(n).embeddingModels?.length));

export interface RateLimit {
  limit: number;
  windowSeconds: number;
  /** As written, e.g. "100/minute". */
  text: string;
}

export interface ProviderConfig {
  apiKey?: string;
  baseUrl?: string;
  defaultModel?: string;
  rateLimit?: RateLimit;
  /** The provider's own settings (its info's `settings`). */
  settings?: Partial<Record<NumberSettingKey, number>>;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  databaseUrl?: string;
  /** Where the embedded database lives when DATABASE_URL is unset; "memory://" for a throwaway one. */
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  redisCommandTimeoutMs: number;
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  /** Entries each instance keeps in memory in front of Redis (0: none). */
  cacheLocalEntries: number;
  cacheLocalTtlSeconds: number;
  /** Who shares response-cache entries: each user their own ('user'), or every caller ('shared'). */
  cacheScope: 'user' | 'shared';
  enableCaching: boolean;
  enableOptimization: boolean;
  aggressiveOptimization: boolean;
  enableStreaming: boolean;
  analyticsEnabled: boolean;
  /** Calls held in memory while the database is unavailable; past this they are spilled to disk. */
  analyticsMaxQueue: number;
  /** Folder for calls past the in-memory queue; undefined: none (DATA_DIR is memory:// and none was set). */
  analyticsSpillDir?: string;
  /** Most bytes the spill folder may hold (0: spilling off). */
  analyticsSpillMaxBytes: number;
  /** Raw calls older than this many UTC days are deleted (daily rollups are kept); 0: kept forever. */
  analyticsRetentionDays: number;
  alertEmail?: string;
  smtpUrl?: string;
  dailyBudgetUsd?: number;
  /** JWT_SECRET; unset: a random secret generated once per database and kept in it (src/auth/jwt-secret.ts). */
  jwtSecret?: string;
  /** Token lifetime as written (e.g. "24h") and in seconds. */
  jwtExpiresIn: string;
  jwtExpiresInSeconds: number;
  adminUsername: string;
  adminPassword: string;
  /** True when the admin password is the guide's development default. */
  adminPasswordIsDefault: boolean;
  jwtSecretIsGenerated: boolean;
  /** How long a looked-up user or API key is trusted before it is read again (invalidations are immediate). */
  authCacheTtlSeconds: number;
  /** How long a user or key already seen keeps working while the database cannot be reached. */
  authCacheStaleSeconds: number;
  /** Failed logins per username, and per client IP, within loginWindowSeconds before 429. */
  loginMaxFailuresPerUser: number;
  loginMaxFailuresPerIp: number;
  loginWindowSeconds: number;
  /** Logins verified at once (database lookup + password hash) and how many may wait. */
  loginConcurrency: number;
  loginQueueMax: number;
  /** Reverse proxies in front of the gateway whose X-Forwarded-For entries are trusted (0: none). */
  trustProxyHops: number;
  /** PostgreSQL connections per instance, and how long a query waits for one before 503. */
  databasePoolSize: number;
  databaseConnectTimeoutMs: number;
  providers: Record<ConfiguredProviderName, ProviderConfig>;
  /** Provider used when a request names none. */
  defaultProvider: ConfiguredProviderName;
  fallbackProviders: ConfiguredProviderName[];
  /** Embeddings for batch similarity (a provider with an embeddings API); unset: the in-process similarity. */
  embeddingsProvider?: ProviderName;
  userRateLimit?: RateLimit;
  pricingFile?: string;
  /** Model aliases of the drop-in /v1 APIs, from the MODEL_ALIASES file (none when unset). */
  modelAliases: Record<string, ModelAlias>;
  requestTimeoutMs: number;
  maxRetries: number;
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
  maxBodyBytes: number;
  maxConcurrentStreams: number;
  maxStreamsPerUser: number;
  shutdownTimeoutMs: number;
  /** What one GraphQL document may ask for (src/graphql/limits.ts), on every transport. */
  graphqlLimits: QueryLimits;
  /** Operations (subscriptions, queries, mutations) running at once on one graphql-ws connection. */
  wsMaxSubscriptions: number;
  /** Instances sharing the key and team limits: while Redis is down each enforces limit / this. */
  gatewayInstances: number;
  /** Key and team alert webhooks may point to loopback or private addresses (off: refused, against SSRF). */
  alertWebhookAllowPrivate: boolean;
  alertWebhookTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads `.env` (if present) under the real environment: variables already set win.
 */
export function environmentWithDotenv(env: Env = process.env, file = '.env'): Env {
  if (!existsSync(file)) return env;
  const fromFile = parseDotenv(readFileSync(file));
  return { ...fromFile, ...env };
}

const DEFAULT_ADMIN_PASSWORD = 'admin123';

/** Parses and validates; collects every problem and throws them all at once. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = read(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(l)) return true;
    if (['false', '0', 'no', 'off'].includes(l)) return false;
    problems.push(`${name}=${v} is invalid: expected true or false`);
    return fallback;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = read(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      problems.push(`${name}=${v} is invalid: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const num = (name: string, min: number): number | undefined => {
    const v = read(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      problems.push(`${name}=${v} is invalid: expected a number >= ${min}`);
      return undefined;
    }
    return n;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const v = read(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return v.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} is invalid: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return undefined;
    }
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = read(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${name}=${v} is invalid: expected one of ${allowed.join(', ')}`);
    return fallback;
  };
  const rateLimit = (name: string): RateLimit | undefined => {
    const v = read(name);
    if (v === undefined) return undefined;
    const parsed = parseRateLimit(v);
    if (!parsed) problems.push(`${name}=${v} is invalid: expected N/second, N/minute, N/hour or N/day (e.g. 100/minute)`);
    return parsed;
  };
  const providerList = (name: string): ConfiguredProviderName[] => {
    const v = read(name);
    if (v === undefined) return [];
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = names.filter((n) => !(PROVIDER_NAMES as readonly string[]).includes(n));
    if (bad.length) problems.push(`${name}=${v} is invalid: unknown provider ${bad.join(', ')}; expected ${PROVIDER_NAMES.join(', ')}`);
    return names.filter((n): n is ConfiguredProviderName => (PROVIDER_NAMES as readonly string[]).includes(n));
  };

  const nodeEnv = oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const providers = {} as Record<ConfiguredProviderName, ProviderConfig>;
  for (const p of PROVIDER_NAMES) {
    const upper = p.toUpperCase();
    const settings: ProviderConfig['settings'] = {};
    for (const setting of info(p).settings ?? []) settings[setting.key] = int(`${upper}_${setting.suffix}`, 0, 0);
    providers[p] = {
      ...(info(p).builtIn ? {} : { apiKey: read(`${upper}_API_KEY`), baseUrl: url(`${upper}_BASE_URL`, ['http:', 'https:']) }),
      defaultModel: read(`${upper}_MODEL`),
      rateLimit: rateLimit(`${upper}_RATE_LIMIT`),
      settings,
    };
  }

  const jwtSecretRaw = read('JWT_SECRET');
  const jwtExpiresIn = read('JWT_EXPIRES_IN') ?? '24h';
  const jwtExpiresInSeconds = parseDuration(jwtExpiresIn);
  if (jwtExpiresInSeconds === undefined || jwtExpiresInSeconds < 60 || jwtExpiresInSeconds > 366 * 86_400) {
    problems.push(`JWT_EXPIRES_IN=${jwtExpiresIn} is invalid: expected a duration from 60s to 366d, e.g. 15m, 12h or 7d`);
  }
  const adminPasswordRaw = read('ADMIN_PASSWORD');
  const adminPassword = adminPasswordRaw ?? DEFAULT_ADMIN_PASSWORD;
  if (nodeEnv === 'production') {
    if (!jwtSecretRaw || Buffer.byteLength(jwtSecretRaw) < 32) {
      problems.push('JWT_SECRET is invalid: in production it must be set to at least 32 bytes');
    }
    if (adminPassword === DEFAULT_ADMIN_PASSWORD) {
      problems.push('ADMIN_PASSWORD is invalid: in production the admin account cannot use the default password admin123');
    }
  }

  const alertEmail = read('ALERT_EMAIL');
  if (alertEmail && !/^[^\s@]+@[^\s@]+$/.test(alertEmail)) problems.push(`ALERT_EMAIL=${alertEmail} is invalid: expected an e-mail address`);

  const defaultProviderRaw = read('DEFAULT_PROVIDER');
  let defaultProvider: ConfiguredProviderName = BUILT_IN;
  if (defaultProviderRaw !== undefined) {
    if ((PROVIDER_NAMES as readonly string[]).includes(defaultProviderRaw)) defaultProvider = defaultProviderRaw as ConfiguredProviderName;
    else problems.push(`DEFAULT_PROVIDER=${defaultProviderRaw} is invalid: expected one of ${PROVIDER_NAMES.join(', ')}`);
  } else {
    // The first provider with a key, else the built-in one.
    defaultProvider = PROVIDER_NAMES.find((p) => !info(p).keyless && providers[p].apiKey) ?? BUILT_IN;
  }

  const pricingFile = read('PRICING_FILE');
  if (pricingFile && !existsSync(pricingFile)) problems.push(`PRICING_FILE=${pricingFile} is invalid: the file does not exist`);

  const aliasesFile = read('MODEL_ALIASES');
  let modelAliases: Record<string, ModelAlias> = {};
  if (aliasesFile) {
    const loaded = loadModelAliases(aliasesFile, PROVIDER_NAMES);
    if (typeof loaded === 'string') problems.push(`MODEL_ALIASES=${aliasesFile} is invalid: ${loaded}`);
    else modelAliases = loaded;
  }

  const dataDir = read('DATA_DIR') ?? './data';
  const spillMaxMb = int('ANALYTICS_SPILL_MAX_MB', 256, 0, 1_048_576);
  const spillDir = read('ANALYTICS_SPILL_DIR') ?? (dataDir.startsWith('memory://') ? undefined : join(dataDir, 'analytics-spill'));

  const config: Config = {
    nodeEnv,
    host: read('HOST') ?? '0.0.0.0',
    port: int('PORT', 8000, 0, 65535),
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir,
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'aigw:',
    redisCommandTimeoutMs: int('REDIS_COMMAND_TIMEOUT_MS', 50, 1, 60_000),
    cacheTtlSeconds: int('REDIS_CACHE_TTL', 86_400, 1),
    cacheMaxEntries: int('CACHE_MAX_ENTRIES', 100_000, 100),
    cacheLocalEntries: int('CACHE_LOCAL_ENTRIES', 1_000, 0, 1_000_000),
    cacheLocalTtlSeconds: int('CACHE_LOCAL_TTL', 60, 1, 86_400),
    cacheScope: oneOf('CACHE_SCOPE', ['user', 'shared'] as const, 'user'),
    enableCaching: bool('ENABLE_CACHING', true),
    enableOptimization: bool('ENABLE_OPTIMIZATION', false),
    aggressiveOptimization: bool('AGGRESSIVE_OPTIMIZATION', false),
    enableStreaming: bool('ENABLE_STREAMING', true),
    analyticsEnabled: bool('ANALYTICS_ENABLED', true),
    analyticsMaxQueue: int('ANALYTICS_MAX_QUEUE', 100_000, 10, 10_000_000),
    analyticsSpillDir: spillMaxMb > 0 ? spillDir : undefined,
    analyticsSpillMaxBytes: spillMaxMb * 1024 * 1024,
    analyticsRetentionDays: int('ANALYTICS_RETENTION_DAYS', 0, 0, 36_500),
    alertEmail,
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    dailyBudgetUsd: num('DAILY_BUDGET_USD', 0),
    jwtSecret: jwtSecretRaw,
    jwtSecretIsGenerated: jwtSecretRaw === undefined,
    jwtExpiresIn,
    jwtExpiresInSeconds: jwtExpiresInSeconds ?? 86_400,
    authCacheTtlSeconds: int('AUTH_CACHE_TTL_SECONDS', 5, 1, 3600),
    authCacheStaleSeconds: int('AUTH_CACHE_STALE_SECONDS', 3600, 0, 7 * 86_400),
    loginMaxFailuresPerUser: int('LOGIN_MAX_FAILURES_PER_USER', 10, 1, 1_000_000),
    loginMaxFailuresPerIp: int('LOGIN_MAX_FAILURES_PER_IP', 100, 1, 1_000_000),
    loginWindowSeconds: int('LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
    loginConcurrency: int('LOGIN_CONCURRENCY', 2, 1, 1000),
    loginQueueMax: int('LOGIN_QUEUE_MAX', 100, 0, 100_000),
    trustProxyHops: int('TRUST_PROXY_HOPS', 0, 0, 10),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseConnectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 120_000),
    adminUsername: read('ADMIN_USERNAME') ?? 'admin',
    adminPassword,
    adminPasswordIsDefault: adminPassword === DEFAULT_ADMIN_PASSWORD,
    providers,
    defaultProvider,
    fallbackProviders: providerList('FALLBACK_PROVIDERS'),
    embeddingsProvider: read('EMBEDDINGS_PROVIDER') === undefined ? undefined : oneOf('EMBEDDINGS_PROVIDER', EMBEDDING_PROVIDERS, EMBEDDING_PROVIDERS[0]!),
    userRateLimit: rateLimit('USER_RATE_LIMIT'),
    pricingFile,
    modelAliases,
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 60_000, 1),
    maxRetries: int('MAX_RETRIES', 2, 0, 10),
    breakerFailureThreshold: int('BREAKER_FAILURE_THRESHOLD', 5, 1),
    breakerCooldownMs: int('BREAKER_COOLDOWN_MS', 30_000, 1),
    maxBodyBytes: int('MAX_BODY_BYTES', 1_048_576, 1024),
    maxConcurrentStreams: int('MAX_CONCURRENT_STREAMS', 1000, 1),
    maxStreamsPerUser: int('MAX_STREAMS_PER_USER', 100, 1),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    graphqlLimits: {
      maxTokens: int('GRAPHQL_MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens, 1, 1_000_000),
      // Also bounds the bracket nesting the parser accepts: graphql-js parses recursively.
      maxDepth: int('GRAPHQL_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, 1, 100),
      maxAliases: int('GRAPHQL_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases, 0, 100_000),
      maxFields: int('GRAPHQL_MAX_FIELDS', DEFAULT_QUERY_LIMITS.maxFields, 1, 1_000_000),
      maxCost: int('GRAPHQL_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, 1, 100_000_000),
      maxOperations: int('GRAPHQL_MAX_OPERATIONS', DEFAULT_QUERY_LIMITS.maxOperations, 1, 1_000),
    },
    wsMaxSubscriptions: int('GRAPHQL_WS_MAX_SUBSCRIPTIONS', 100, 1, 100_000),
    gatewayInstances: int('GATEWAY_INSTANCES', 1, 1, 10_000),
    alertWebhookAllowPrivate: bool('ALERT_WEBHOOK_ALLOW_PRIVATE', false),
    alertWebhookTimeoutMs: int('ALERT_WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90", "90s", "15m", "12h", "7d" in seconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})\s*([smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2] || 's']!;
}

const WINDOWS: Record<string, number> = { second: 1, sec: 1, s: 1, minute: 60, min: 60, m: 60, hour: 3600, h: 3600, day: 86_400, d: 86_400 };

export function parseRateLimit(text: string): RateLimit | undefined {
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return undefined;
  const windowSeconds = WINDOWS[m[2]!.toLowerCase()];
  const limit = Number(m[1]);
  if (!windowSeconds || limit < 1) return undefined;
  return { limit, windowSeconds, text: text.trim() };
}
