// Provider health: cheap probes with a short timeout, cached for a short time
// so a dashboard polling /providers/health does not hammer the upstreams.
import type { ProviderAdapter } from '../providers/types.js';
import type { ProviderRouter } from './provider-router.js';

export interface ProviderHealth {
  provider: string;
  status: 'healthy' | 'unhealthy' | 'unconfigured';
  apiKeyConfigured: boolean;
  breaker: string;
  latencyMs: number | null;
  error: string | null;
  availableModels: string[];
  checkedAt: string;
}

export class ProviderHealthChecker {
  private readonly cached = new Map<string, { at: number; value: Promise<ProviderHealth> }>();

  constructor(
    private readonly router: ProviderRouter,
    private readonly options: { ttlMs: number; timeoutMs: number } = { ttlMs: 15_000, timeoutMs: 3_000 },
  ) {}

  check(name: string): Promise<ProviderHealth> {
    const hit = this.cached.get(name);
    if (hit && Date.now() - hit.at < this.options.ttlMs) return hit.value;
    const value = this.probe(this.router.adapter(name));
    this.cached.set(name, { at: Date.now(), value });
    return value;
  }

  all(): Promise<ProviderHealth[]> {
    return Promise.all([...this.router.providers.keys()].map((n) => this.check(n)));
  }

  private async probe(adapter: ProviderAdapter): Promise<ProviderHealth> {
    const base = {
      provider: adapter.name,
      apiKeyConfigured: adapter.isConfigured(),
      breaker: this.router.breaker(adapter.name).state,
      availableModels: adapter.models,
      checkedAt: new Date().toISOString(),
    };
    if (!adapter.isConfigured()) return { ...base, status: 'unconfigured', latencyMs: null, error: null };
    const started = performance.now();
    try {
      await adapter.health({ signal: AbortSignal.timeout(this.options.timeoutMs) });
      return { ...base, status: 'healthy', latencyMs: Math.round(performance.now() - started), error: null };
    } catch (e) {
      return { ...base, status: 'unhealthy', latencyMs: null, error: (e as Error).message.slice(0, 200) };
    }
  }
}
