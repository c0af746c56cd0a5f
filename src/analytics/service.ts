// Analytics as one service: SQL queries, live updates, daily budget alerts and
// Prometheus metrics, fed by the usage recorder. REST routes and GraphQL
// resolvers call this and nothing below it: every read goes through `scope`,
// which validates the filters (before any query starts) and applies the
// isolation rule (non-admins see only their own calls).
import { requireViewer, type Viewer } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { Logger } from '../logger.js';
import type { Pricing } from '../pricing/pricing.js';
import { BudgetAlerts, type BudgetStatus } from './budget.js';
import { analyticsFilters, scopeToViewer, type AnalyticsFilterInput, type AnalyticsFilters, type FieldNaming } from './filters.js';
import { LiveAnalytics, type AnalyticsUpdate } from './live.js';
import { GatewayMetrics } from './metrics.js';
import {
  AnalyticsQueries, exportLimit, type Dashboard, type ExportRow, type OptimizationImpact, type PerformanceReport, type ProviderStats, type Summary,
  type Trends,
} from './queries.js';
import type { UsageRecorder } from './recorder.js';
import { RawCallRetention } from './retention.js';

/** Who asks, with what filters, spelled how (for error details). */
export interface AnalyticsRequest {
  viewer: Viewer | null | undefined;
  filters?: AnalyticsFilterInput;
  naming?: FieldNaming;
}

export interface ExportRequest extends AnalyticsRequest {
  includeCosts: boolean;
  /** At most this many rows (1..EXPORT_MAX_ROWS, the default). */
  limit?: unknown;
}

export interface PreparedExport {
  /** The filters applied (after isolation). */
  filters: AnalyticsFilters;
  /** More rows matched than the limit. */
  truncated: boolean;
  rows: AsyncGenerator<ExportRow[]>;
}

export interface AnalyticsDeps {
  prisma: PrismaClient;
  pricing: Pricing;
  pubsub: PubSub;
  kv: KeyValueStore;
  recorder: UsageRecorder;
  config: Pick<Config, 'dailyBudgetUsd' | 'alertEmail' | 'smtpUrl' | 'analyticsRetentionDays'>;
  logger: Logger;
}

export class AnalyticsService {
  readonly queries: AnalyticsQueries;
  readonly live: LiveAnalytics;
  readonly budget: BudgetAlerts;
  readonly metrics: GatewayMetrics;
  /** Deletes raw calls past ANALYTICS_RETENTION_DAYS; null when they are kept forever. */
  readonly retention: RawCallRetention | null;
  private readonly stopListening: () => void;
  private readonly dailyBudgetUsd: number | null;
  private readonly logger: Logger;

  constructor(deps: AnalyticsDeps) {
    this.logger = deps.logger;
    this.dailyBudgetUsd = (deps.config.dailyBudgetUsd ?? 0) > 0 ? deps.config.dailyBudgetUsd! : null;
    this.queries = new AnalyticsQueries(deps.prisma, deps.pricing);
    this.live = new LiveAnalytics(this.queries, deps.pubsub, deps.kv, deps.logger);
    this.budget = new BudgetAlerts(deps.prisma, this.queries, deps.config, deps.logger);
    this.metrics = new GatewayMetrics(deps.recorder);
    const days = deps.config.analyticsRetentionDays;
    this.retention = days > 0 ? new RawCallRetention(deps.prisma, { days }, deps.logger) : null;
    this.retention?.start();
    this.stopListening = deps.recorder.onWritten(() => {
      this.live.schedule();
      this.budget.schedule();
    });
  }

  /**
   * The filters a request may use: every value checked (VALIDATION_ERROR, thrown
   * synchronously before any query starts), then narrowed to what the viewer may see
   * (FORBIDDEN for a non-admin naming another user).
   */
  scope(request: AnalyticsRequest): AnalyticsFilters {
    const viewer = requireViewer(request.viewer);
    const naming = request.naming ?? 'graphql';
    return scopeToViewer(viewer, analyticsFilters(request.filters ?? {}, naming), naming);
  }

  summary(request: AnalyticsRequest): Promise<Summary> {
    return this.queries.summary(this.scope(request));
  }

  providers(request: AnalyticsRequest): Promise<ProviderStats[]> {
    return this.queries.providerBreakdown(this.scope(request));
  }

  optimization(request: AnalyticsRequest): Promise<OptimizationImpact> {
    return this.queries.optimization(this.scope(request));
  }

  performance(request: AnalyticsRequest): Promise<PerformanceReport> {
    return this.queries.performance(this.scope(request));
  }

  dashboard(request: AnalyticsRequest): Promise<Dashboard> {
    return this.queries.dashboard(this.scope(request));
  }

  /** Cost per day over `filters.days` (default 30) days. */
  trends(request: AnalyticsRequest): Promise<Trends> {
    const { days, ...rest } = this.scope(request);
    return this.queries.trends(days ?? 30, rest);
  }

  /** An export: the rows, counted first (at most limit + 1) so the caller can say whether they were cut. */
  async prepareExport(request: ExportRequest): Promise<PreparedExport> {
    const filters = this.scope(request);
    const limit = exportLimit(request.limit);
    const truncated = (await this.queries.countCalls(filters, limit + 1)) > limit;
    return { filters, truncated, rows: this.queries.exportCalls({ ...filters, includeCosts: request.includeCosts, limit }) };
  }

  /**
   * The daily budget and today's cost. Admins get the gateway's cost and the alerts
   * raised; anyone else their own cost today and no alerts (an alert states everyone's cost).
   */
  async budgetStatus(request: Pick<AnalyticsRequest, 'viewer'>): Promise<BudgetStatus> {
    const viewer = requireViewer(request.viewer);
    if (viewer.role === 'admin') return this.budget.status();
    const own = this.scope({ viewer });
    const cost = await this.queries.costOnDay(new Date(), own);
    return { dailyBudgetUsd: this.dailyBudgetUsd, todayCostUsd: Math.round(cost * 1e8) / 1e8, alerts: [] };
  }

  /**
   * Live figures: admins get the gateway's, published to every admin at once; anyone else
   * gets their own, computed when a published update says that calls were recorded.
   */
  subscribe(request: Pick<AnalyticsRequest, 'viewer'>, signal?: AbortSignal): AsyncIterableIterator<AnalyticsUpdate> {
    const viewer = requireViewer(request.viewer);
    if (viewer.role === 'admin') return this.live.subscribe(signal);
    const own = this.scope({ viewer });
    const updates = this.live.subscribe(signal);
    const iterator: AsyncIterableIterator<AnalyticsUpdate> = {
      next: async () => {
        for (;;) {
          const r = await updates.next();
          if (r.done) return r;
          try {
            return { value: await this.live.snapshot(own), done: false };
          } catch (e) {
            this.logger.warn('live analytics update failed', { error: (e as Error).message }); // the next update tries again
          }
        }
      },
      return: () => updates.return!(),
      throw: (e?: unknown) => updates.throw!(e),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Deletes every recorded call and the rollups (budget alerts stay: they record e-mails sent). Returns how many. */
  async reset(): Promise<number> {
    const deleted = await this.queries.reset();
    this.live.schedule();
    return deleted;
  }

  async close(): Promise<void> {
    this.stopListening();
    await Promise.all([this.retention?.close(), this.live.close(), this.budget.close()]);
    this.metrics.close();
  }
}
