import { requireAdmin } from '../auth/auth-service.js';
import type { CacheHealth, CacheStats } from '../cache/response-cache.js';
import { GatewayError } from '../errors.js';
import { builder } from './builder.js';

const CacheStatsRef = builder.objectRef<CacheStats>('CacheStats').implement({
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    backend: t.exposeString('backend'),
    hits: t.exposeInt('hits'),
    misses: t.exposeInt('misses'),
    writes: t.exposeInt('writes'),
    coalesced: t.exposeInt('coalesced'),
    errors: t.exposeInt('errors'),
    localHits: t.exposeInt('localHits', { description: "Hits served from an instance's in-process tier in front of Redis (included in hits)" }),
    localEntries: t.exposeInt('localEntries', { description: "Entries in this instance's in-process tier" }),
    hitRatePercent: t.exposeFloat('hitRatePercent'),
    entries: t.exposeInt('entries'),
    bytes: t.exposeFloat('bytes'),
  }),
});

const CacheMemoryRef = builder
  .objectRef<{ totalMemoryBytes: number; usedMemoryBytes: number; memoryUsagePercent: number; keysCount: number; cacheBytes: number }>('CacheMemory')
  .implement({
    fields: (t) => ({
      totalMemoryBytes: t.exposeFloat('totalMemoryBytes'),
      usedMemoryBytes: t.exposeFloat('usedMemoryBytes'),
      memoryUsagePercent: t.exposeFloat('memoryUsagePercent'),
      keysCount: t.exposeInt('keysCount'),
      cacheBytes: t.exposeFloat('cacheBytes'),
    }),
  });

const CacheHealthRef = builder.objectRef<CacheHealth>('CacheHealth').implement({
  fields: (t) => ({
    status: t.exposeString('status', { description: 'healthy, degraded or disabled' }),
    backend: t.exposeString('backend'),
    redisConnected: t.exposeBoolean('redisConnected'),
    responseTimeMs: t.exposeFloat('responseTimeMs', { nullable: true }),
    circuitBreaker: t.exposeString('breaker'),
    localTier: t.exposeString('localTier', { description: "This instance's in-process tier: serving, paused (until it hears invalidations again) or off" }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

builder.queryField('cacheStats', (t) => t.field({ type: CacheStatsRef, resolve: (_, __, { services }) => services.cache.stats() }));
builder.queryField('cacheMemory', (t) => t.field({ type: CacheMemoryRef, resolve: (_, __, { services }) => services.cache.memory() }));
builder.queryField('cacheHealth', (t) => t.field({ type: CacheHealthRef, resolve: (_, __, { services }) => services.cache.health() }));

builder.mutationField('clearCache', (t) =>
  t.int({
    description: 'Deletes cache entries: all, one provider\'s, or one model\'s (admins only). Returns how many.',
    args: { provider: t.arg.string(), model: t.arg.string() },
    resolve: async (_, { provider, model }, { services, viewer }) => {
      requireAdmin(viewer);
      if (model && !provider) throw new GatewayError('VALIDATION_ERROR', 'model needs provider');
      if (provider) services.router.adapter(provider);
      if (provider && model) return services.cache.clearModel(provider, model);
      if (provider) return services.cache.clearProvider(provider);
      return services.cache.clearAll();
    },
  }),
);
