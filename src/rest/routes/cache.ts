import type { Route } from '../router.js';

export const cacheRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/ai/cache/stats',
    access: 'user',
    async handler({ services }) {
      const s = await services.cache.stats();
      return {
        body: {
          total_cache_entries: s.entries,
          cache_hits: s.hits,
          cache_misses: s.misses,
          hit_rate_percent: s.hitRatePercent,
          total_memory_kb: Math.round((s.bytes / 1024) * 10) / 10,
          total_bytes: s.bytes,
          cache_writes: s.writes,
          coalesced_requests: s.coalesced,
          errors: s.errors,
          local_hits: s.localHits,
          local_entries: s.localEntries,
          enabled: s.enabled,
          backend: s.backend,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/ai/cache/memory',
    access: 'user',
    async handler({ services }) {
      const m = await services.cache.memory();
      return {
        body: {
          total_memory_bytes: m.totalMemoryBytes,
          used_memory_bytes: m.usedMemoryBytes,
          memory_usage_percent: m.memoryUsagePercent,
          keys_count: m.keysCount,
          cache_bytes: m.cacheBytes,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/ai/cache/health',
    access: 'user',
    async handler({ services }) {
      const h = await services.cache.health();
      return {
        status: h.status === 'degraded' ? 503 : 200,
        body: {
          status: h.status,
          redis_connected: h.redisConnected,
          response_time_ms: h.responseTimeMs,
          backend: h.backend,
          circuit_breaker: h.breaker,
          local_tier: h.localTier,
          ...(h.error ? { error: h.error } : {}),
        },
      };
    },
  },
  {
    method: 'DELETE',
    path: '/api/ai/cache',
    access: 'admin',
    async handler({ services }) {
      return { body: { status: 'success', cleared_keys: await services.cache.clearAll() } };
    },
  },
  {
    method: 'DELETE',
    path: '/api/ai/cache/provider/:provider',
    access: 'admin',
    async handler({ params, services }) {
      services.router.adapter(params.provider!);
      return { body: { status: 'success', cleared_entries: await services.cache.clearProvider(params.provider!) } };
    },
  },
  {
    method: 'DELETE',
    path: '/api/ai/cache/model/:provider/:model+',
    access: 'admin',
    async handler({ params, services }) {
      services.router.adapter(params.provider!);
      return { body: { status: 'success', cleared_entries: await services.cache.clearModel(params.provider!, params.model!) } };
    },
  },
];
