// Analytics as one service: SQL queries, live updates, daily budget alerts and
// Prometheus metrics, fed by the usage recorder. REST routes and GraphQL
// resolvers call this and nothing below it.
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { Logger } from '../logger.js';
import type { Pricing } from '../pricing/pricing.js';
import { BudgetAlerts } from './budget.js';
import { LiveAnalytics } from './live.js';
import { GatewayMetrics } from './metrics.js';
import { AnalyticsQueries } from './queries.js';
import type { UsageRecorder } from './recorder.js';
import { RawCallRetention } from './retention.js';

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

  constructor(deps: AnalyticsDeps) {
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
