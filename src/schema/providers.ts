import type { ProviderHealth } from '../gateway/provider-health.js';
import type { LimitState } from '../gateway/rate-limiter.js';
import { builder } from './builder.js';

interface ProviderInfo {
  name: string;
  label: string;
  models: string[];
  defaultModel: string;
  maxTokens: number;
  configured: boolean;
  features: string[];
}

const ProviderRef = builder.objectRef<ProviderInfo>('Provider').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    label: t.exposeString('label'),
    models: t.exposeStringList('models'),
    defaultModel: t.exposeString('defaultModel'),
    maxTokens: t.exposeInt('maxTokens'),
    configured: t.exposeBoolean('configured'),
    features: t.exposeStringList('features', {
      description: 'What it carries beyond text chat (tools, images, json_schema...); a request needing anything else is refused with UNSUPPORTED_FEATURE',
    }),
  }),
});

const ProviderHealthRef = builder.objectRef<ProviderHealth>('ProviderHealth').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    status: t.exposeString('status', { description: 'healthy, unhealthy or unconfigured' }),
    apiKeyConfigured: t.exposeBoolean('apiKeyConfigured'),
    circuitBreaker: t.exposeString('breaker'),
    latencyMs: t.exposeInt('latencyMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    availableModels: t.exposeStringList('availableModels'),
    checkedAt: t.exposeString('checkedAt'),
  }),
});

const RateLimitRef = builder.objectRef<LimitState & { scope: string }>('RateLimitState').implement({
  fields: (t) => ({
    scope: t.exposeString('scope'),
    limit: t.exposeString('limit'),
    remaining: t.exposeInt('remaining'),
    resetSeconds: t.exposeInt('resetSeconds'),
  }),
});

builder.queryField('providers', (t) =>
  t.field({
    type: [ProviderRef],
    resolve: (_, __, { services }) =>
      [...services.router.providers.values()].map((a) => ({
        name: a.name, label: a.label, models: a.models, defaultModel: services.gateway.defaultModel(a.name), maxTokens: a.maxOutputTokens(services.gateway.defaultModel(a.name)), configured: a.isConfigured(), features: [...a.features].sort(),
      })),
  }),
);

builder.queryField('providerHealth', (t) =>
  t.field({ type: [ProviderHealthRef], resolve: (_, __, { services }) => services.providerHealth.all() }),
);

builder.queryField('rateLimits', (t) =>
  t.field({
    type: [RateLimitRef],
    description: 'Configured limits and what remains for the caller',
    resolve: async (_, __, { services, viewer }) => {
      const out: (LimitState & { scope: string })[] = [];
      if (services.config.userRateLimit && viewer) out.push({ scope: 'user', ...(await services.limiter.state(`user:${viewer.userId}`, services.config.userRateLimit)) });
      for (const name of services.router.providers.keys()) {
        const rule = services.config.providers[name as keyof typeof services.config.providers]?.rateLimit;
        if (rule) out.push({ scope: `provider:${name}`, ...(await services.limiter.state(`provider:${name}`, rule)) });
      }
      return out;
    },
  }),
);
