// Builds every service once at start and tears them down in order at stop.
import { AuthService } from './auth/auth-service.js';
import { loadOrCreateJwtSecret } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import type { Logger } from './logger.js';
import { createSharedState } from './kv/create.js';
import type { KeyValueStore, PubSub } from './kv/types.js';
import { insertCalls } from './analytics/insert-calls.js';
import { UsageRecorder } from './analytics/recorder.js';
import { SpillStore } from './analytics/spill.js';
import { AnalyticsService } from './analytics/service.js';
import { ResponseCache } from './cache/response-cache.js';
import { BatchService } from './gateway/batch.js';
import { Gateway } from './gateway/gateway.js';
import { StreamHub } from './gateway/stream-hub.js';
import { StreamSessions } from './gateway/stream-sessions.js';
import { StreamSlots } from './gateway/stream-slots.js';
import { StreamingService } from './gateway/streaming.js';
import { ProviderHealthChecker } from './gateway/provider-health.js';
import { ProviderRouter } from './gateway/provider-router.js';
import { RateLimiter } from './gateway/rate-limiter.js';
import { loadPriceTable, Pricing } from './pricing/pricing.js';
import { Governance } from './governance/governance.js';
import { GovernanceAdmin } from './governance/admin.js';
import { GovernanceAlerts } from './governance/alerts.js';
import { closeProviderConnections, providerFactories } from './providers/registry.js';
import type { ProviderAdapter } from './providers/types.js';

export interface Services {
  config: Config;
  logger: Logger;
  db: Database;
  kv: KeyValueStore;
  pubsub: PubSub;
  auth: AuthService;
  governance: Governance;
  governanceAdmin: GovernanceAdmin;
  governanceAlerts: GovernanceAlerts;
  limiter: RateLimiter;
  router: ProviderRouter;
  providerHealth: ProviderHealthChecker;
  cache: ResponseCache;
  pricing: Pricing;
  recorder: UsageRecorder;
  gateway: Gateway;
  analytics: AnalyticsService;
  streaming: StreamingService;
  batch: BatchService;
  streamSessions: StreamSessions;
  /** Readiness of each dependency, for GET /ready. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  database: { ok: boolean; backend: string; latency_ms?: number; error?: string };
  redis: { ok: boolean; backend: string; latency_ms?: number; error?: string; breaker?: string };
}

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, connectTimeoutMs: config.databaseConnectTimeoutMs,
    log: (msg, fields) => logger.info(msg, fields),
    warn: (msg, fields) => logger.warn(msg, fields),
  });
  if (db.migrations.applied.length) logger.info('applied database migrations', { migrations: db.migrations.applied });
  const { kv, pubsub, waitUntilReady } = await createSharedState({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    memoryMaxKeys: config.cacheMaxEntries,
  });
  if (config.redisUrl && !(await waitUntilReady(2_000))) {
    logger.warn('Redis is not reachable; starting without it (cache and shared limits fail open) and retrying in the background');
  }
  const jwtSecret = config.jwtSecret ?? (await loadOrCreateJwtSecret(db.sql));
  const auth = new AuthService(db.prisma, { ...config, jwtSecret }, logger, kv, pubsub);
  await auth.listen();
  await auth.ensureAdmin();

  const providers = new Map<string, ProviderAdapter>();
  for (const [name, factory] of Object.entries(providerFactories)) {
    const p = config.providers[name as keyof Config['providers']] ?? {};
    providers.set(name, factory({
      apiKey: p.apiKey,
      baseUrl: p.baseUrl,
      defaultModel: p.defaultModel,
      ...p.settings,
    }));
  }
  const limiter = new RateLimiter(kv);
  const router = new ProviderRouter(providers, config, limiter, logger);
  const cache = new ResponseCache(kv, pubsub, {
    enabled: config.enableCaching,
    ttlSeconds: config.cacheTtlSeconds,
    coalesceWaitMs: Math.min(config.requestTimeoutMs, 30_000),
    local: { maxEntries: config.cacheLocalEntries, maxChars: 32 * 1024 * 1024, maxAgeMs: config.cacheLocalTtlSeconds * 1000 },
  }, logger);
  const pricing = new Pricing(loadPriceTable(config.pricingFile));
  const spill = config.analyticsSpillDir ? new SpillStore({ dir: config.analyticsSpillDir, maxBytes: config.analyticsSpillMaxBytes }, logger) : null;
  const recorder = new UsageRecorder(
    insertCalls(db.prisma, db.sql, logger),
    // Both backends write off the event loop (the embedded database on its own thread):
    // larger statements write faster (the rollup triggers run once per statement).
    { enabled: config.analyticsEnabled, maxQueue: config.analyticsMaxQueue, spill, batchSize: 1000 },
    logger,
  );
  const governance = new Governance(kv, db.prisma, pricing, (provider, model) => router.adapter(provider).maxOutputTokens(model), config, logger);
  const governanceAlerts = new GovernanceAlerts(db.prisma, config, logger);
  governance.onSpend = (scope, id, limits, spend) => governanceAlerts.check(scope, id, limits, spend);
  const gateway = new Gateway(config, router, cache, pricing, limiter, recorder, logger, governance);
  const analytics = new AnalyticsService({ prisma: db.prisma, pricing, pubsub, kv, recorder, config, logger });
  const streamWaitMs = Math.min(config.requestTimeoutMs, 30_000);
  const streaming = new StreamingService(
    gateway,
    new StreamHub(kv, pubsub, { lockTtlMs: config.requestTimeoutMs, idleTimeoutMs: streamWaitMs }),
    new StreamSlots(config.maxConcurrentStreams, config.maxStreamsPerUser),
    config,
  );

  const services: Services = {
    config,
    logger,
    db,
    kv,
    pubsub,
    auth,
    governance,
    governanceAdmin: new GovernanceAdmin(db.prisma, auth, config),
    governanceAlerts,
    limiter,
    router,
    providerHealth: new ProviderHealthChecker(router),
    cache,
    pricing,
    recorder,
    gateway,
    analytics,
    streaming,
    batch: new BatchService(gateway, config, logger),
    streamSessions: new StreamSessions(kv, config, (name) => router.providers.get(name)),
    async readiness() {
      const database: Readiness['database'] = { ok: false, backend: db.backend };
      try {
        database.latency_ms = round(await db.ping());
        database.ok = true;
      } catch (e) {
        database.error = (e as Error).message;
      }
      const redis: Readiness['redis'] = { ok: false, backend: kv.kind };
      try {
        redis.latency_ms = round(await kv.ping());
        redis.ok = true;
      } catch (e) {
        redis.error = (e as Error).message;
      }
      const status = kv.status();
      if (status.kind === 'redis') redis.breaker = status.breaker;
      return { ready: database.ok && redis.ok, database, redis };
    },
    async close() {
      await auth.close();
      await cache.close();
      await recorder.close(config.shutdownTimeoutMs);
      await governanceAlerts.idle();
      await analytics.close();
      await pubsub.close().catch(() => {});
      await kv.close().catch(() => {});
      await db.close();
      await closeProviderConnections().catch(() => {});
    },
  };
  return services;
}

function round(ms: number) {
  return Math.round(ms * 100) / 100;
}
