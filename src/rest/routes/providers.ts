import { z } from 'zod';
import { multiProvider } from '../../gateway/multi-provider.js';
import type { ProviderHealth } from '../../gateway/provider-health.js';
import { completionFromBody, completionJson } from '../completion-body.js';
import type { Route } from '../router.js';
import { rateLimitHeaders } from '../../governance/headers.js';
import { parseBody } from '../../validators.js';

const MultiFields = z.object({
  providers: z.array(z.string().min(1)).min(1).max(10),
  models: z.record(z.string(), z.string()).optional(),
});

export function providerHealthJson(h: ProviderHealth) {
  return {
    status: h.status,
    api_key_configured: h.apiKeyConfigured,
    circuit_breaker: h.breaker,
    latency_ms: h.latencyMs,
    ...(h.error ? { error: h.error } : {}),
    available_models: h.availableModels,
    checked_at: h.checkedAt,
  };
}

export const providerRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/ai/providers',
    access: 'user',
    handler({ services }) {
      const details: Record<string, unknown> = {};
      for (const [name, a] of services.router.providers) {
        details[name] = {
          models: a.models,
          default_model: services.gateway.defaultModel(name),
          max_tokens: a.maxOutputTokens(services.gateway.defaultModel(name)),
          configured: a.isConfigured(),
          label: a.label,
          features: [...a.features].sort(),
        };
      }
      return {
        body: {
          available_providers: [...services.router.providers.keys()],
          provider_details: details,
          total_providers: services.router.providers.size,
          default_provider: services.config.defaultProvider,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/ai/providers/health',
    access: 'user',
    async handler({ services }) {
      const all = await services.providerHealth.all();
      return { body: Object.fromEntries(all.map((h) => [h.provider, providerHealthJson(h)])) };
    },
  },
  {
    method: 'GET',
    path: '/api/ai/health',
    access: 'user',
    async handler({ services, viewer }) {
      const providers: Record<string, unknown> = {};
      for (const name of services.router.providers.keys()) {
        const rule = services.config.providers[name as keyof typeof services.config.providers]?.rateLimit;
        providers[name] = rule ? await services.limiter.state(`provider:${name}`, rule) : { limit: null };
      }
      const userRule = services.config.userRateLimit;
      return {
        body: {
          status: 'ok',
          rate_limits: {
            user: userRule ? await services.limiter.state(`user:${viewer!.userId}`, userRule) : { limit: null },
            providers,
          },
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/multi-provider',
    access: 'user',
    async handler({ body, services, viewer, cancel }) {
      const { input, own } = completionFromBody(undefined, body, ['providers', 'models']);
      const { providers, models } = parseBody(MultiFields, own);
      const caller = { viewer, source: 'multi' as const, cancel, rateLimit: {} };
      const r = await multiProvider(services.gateway, { ...input, providers, models }, caller);
      const responses: Record<string, unknown> = {};
      for (const [p, o] of Object.entries(r.responses)) {
        responses[p] = o.status === 'success' ? completionJson(o.result) : { status: 'error', error: o.error };
      }
      return {
        body: {
          prompt: r.prompt,
          responses,
          success_count: r.successCount,
          error_count: r.errorCount,
          total_estimated_cost: r.totalEstimatedCost,
        },
        headers: rateLimitHeaders(caller),
      };
    },
  },
  {
    method: 'POST',
    path: '/api/ai/:provider',
    access: 'user',
    async handler({ params, body, services, viewer, cancel }) {
      const provider = params.provider!;
      services.router.adapter(provider); // 404 for an unknown provider before reading anything else
      const { input } = completionFromBody(provider, body);
      const caller = { viewer, source: 'rest' as const, cancel, rateLimit: {} };
      const result = await services.gateway.complete(input, caller);
      return { body: completionJson(result), headers: rateLimitHeaders(caller) };
    },
  },
];
