// Analytics computed in SQL: every figure is an aggregate, so no call row is ever
// loaded into memory, whatever the table's size. The figures come from the daily
// rollups (api_call_daily, and api_call_user_daily when filtered by user; kept by a
// trigger on api_calls, see prisma/migrations/20261206210000_analytics_daily_rollups),
// a few thousand rows however many calls were recorded, and they keep counting calls
// whose raw rows retention has deleted. Latency percentiles are exact (over the raw
// rows) for windows of at most EXACT_PERCENTILE_MAX calls whose raw rows are all still
// there, and otherwise come from the daily latency histograms (at most 1/64 off).
// The only rows read into the process are per (provider, model) groups (a handful),
// per-day buckets (at most 365), histogram buckets (at most 864), and the export, which
// pages through raw rows in bounded batches.
//
// Every method checks its filters (analyticsFilters, in conditions()) before it starts a
// query: a bad filter must fail the call, never leave a query's promise behind unobserved.
//
// Definitions used throughout:
// - A window of `days` is the last `days` UTC calendar days including today:
//   created_at >= 00:00 UTC of (today - (days - 1)), which is whole rollup days.
// - Tokens are counted as billed: input + output tokens of calls not answered
//   from the cache (a cache hit bills nothing).
// - Cost is sum(cost_usd), ignoring calls whose price is unknown (cost_usd is
//   null); those are counted separately as unknownCostCalls.
// - Rates are percentages of all calls in the window, errors included.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { GatewayError } from '../errors.js';
import type { Pricing } from '../pricing/pricing.js';
import { analyticsFilters, windowDays, type AnalyticsFilters } from './filters.js';

export interface Summary {
  totalApiCalls: number;
  totalTokensUsed: number;
  totalCostUsd: number;
  /** totalCostUsd over the calls whose cost is known. */
  averageCostPerCall: number;
  errorCalls: number;
  unknownCostCalls: number;
}

export interface ProviderStats {
  provider: string;
  totalCalls: number;
  totalTokens: number;
  totalCost: number;
  cachedCalls: number;
  errorCalls: number;
  avgLatencyMs: number;
}

export type CostTrend = 'increasing' | 'stable' | 'decreasing';

export interface Trends {
  periodDays: number;
  /** 'YYYY-MM-DD' (UTC) -> cost in USD, for every day of the window, oldest first. */
  dailyBreakdown: Record<string, number>;
  totalPeriodCost: number;
  averageDailyCost: number;
  costTrend: CostTrend;
}

export interface OptimizationImpact {
  totalRequests: number;
  optimizedRequests: number;
  optimizationRatePercent: number;
  cachedRequests: number;
  cacheHitRatePercent: number;
  tokensSaved: number;
  /** cacheSavingsUsd + optimizationSavingsUsd. */
  estimatedSavings: number;
  cacheSavingsUsd: number;
  optimizationSavingsUsd: number;
  /** Share of what the calls would have cost without cache and optimization that was saved, in percent. */
  combinedImpact: number;
}

export interface AdoptionRates {
  cacheHitRatePercent: number;
  optimizationAdoptionPercent: number;
  streamingAdoptionPercent: number;
}

export interface PerformanceReport {
  reportType: 'Performance Report';
  generatedAt: Date;
  summary: Summary;
  metrics: {
    cacheEfficiency: number;
    optimizationImpact: number;
    streamingAdoption: number;
    avgLatencyMs: number;
    p50LatencyMs: number;
    p95LatencyMs: number;
    errorRatePercent: number;
  };
  providers: string[];
}

export interface Dashboard {
  summary: Summary;
  performance: AdoptionRates;
  providerBreakdown: ProviderStats[];
  costTrends: Trends;
  optimizationImpact: OptimizationImpact;
  timestamp: Date;
}

/** Everything the grouped aggregate yields; summary, providers, optimization and adoption derive from it. */
export interface Overview {
  summary: Summary;
  providers: ProviderStats[];
  optimization: OptimizationImpact;
  adoption: AdoptionRates;
  avgLatencyMs: number;
}

export interface ExportOptions extends AnalyticsFilters {
  includeCosts: boolean;
  /** At most this many rows (default and ceiling EXPORT_MAX_ROWS). */
  limit?: unknown;
}

export interface ExportRow {
  id: string;
  createdAt: string;
  provider: string;
  model: string;
  source: string;
  userId: string | null;
  /** The API key and team the call was made with. */
  apiKeyId: string | null;
  teamId: string | null;
  inputTokens: number;
  outputTokens: number;
  tokensUsed: number;
  latencyMs: number;
  cached: boolean;
  optimized: boolean;
  tokensSaved: number;
  streamed: boolean;
  status: string;
  errorCode: string | null;
  costUsd?: number | null;
  listCostUsd?: number | null;
  costEstimated?: boolean;
}

export const EXPORT_MAX_ROWS = 100_000;
/** Windows with at most this many calls get exact latency percentiles (a sort of their raw rows). */
export const EXACT_PERCENTILE_MAX = 20_000;
const EXPORT_PAGE = 1_000;
const DAY_MS = 86_400_000;

/** One row of the grouped aggregate (per provider and model). */
interface GroupRow {
  provider: string;
  model: string;
  calls: number;
  errors: number;
  cached: number;
  optimized: number;
  streamed: number;
  unknown_cost: number;
  tokens: number;
  cost: number;
  cache_savings: number;
  tokens_saved: number;
  latency_sum: number;
}

export class AnalyticsQueries {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pricing: Pricing,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async summary(filters: AnalyticsFilters = {}): Promise<Summary> {
    return (await this.overview(filters)).summary;
  }

  async providerBreakdown(filters: AnalyticsFilters = {}): Promise<ProviderStats[]> {
    return (await this.overview(filters)).providers;
  }

  async optimization(filters: AnalyticsFilters = {}): Promise<OptimizationImpact> {
    return (await this.overview(filters)).optimization;
  }

  /**
   * One scan of the filtered calls grouped by (provider, model), folded here.
   *
   * Savings rule (estimatedSavings, USD):
   * - the cache saved, per cache hit, what the call would have cost upstream:
   *   sum(list_cost_usd) of cached calls (list_cost_usd is the original call's cost);
   * - optimization saved, per successful optimized call (cached or not, since the
   *   hit's original call was optimized too), tokens_saved input tokens at the
   *   model's input price from the price table; models without a known price add 0.
   * combinedImpact = savings / (savings + spend) * 100, where spend = sum(cost_usd):
   * the percentage of the no-cache, no-optimization cost that was avoided.
   */
  async overview(filters: AnalyticsFilters = {}): Promise<Overview> {
    const rows = await this.prisma.$queryRaw<GroupRow[]>`
      SELECT provider, model,
        sum(calls)::float8 AS calls,
        coalesce(sum(calls) FILTER (WHERE status = 'error'), 0)::float8 AS errors,
        coalesce(sum(calls) FILTER (WHERE cached), 0)::float8 AS cached,
        sum(optimized_calls)::float8 AS optimized,
        sum(streamed_calls)::float8 AS streamed,
        sum(unknown_cost_calls)::float8 AS unknown_cost,
        coalesce(sum(input_tokens + output_tokens) FILTER (WHERE NOT cached), 0)::float8 AS tokens,
        sum(cost_usd)::float8 AS cost,
        coalesce(sum(list_cost_usd) FILTER (WHERE cached), 0)::float8 AS cache_savings,
        coalesce(sum(tokens_saved) FILTER (WHERE status = 'success'), 0)::float8 AS tokens_saved,
        sum(latency_ms)::float8 AS latency_sum
      FROM ${dailyTable(filters)}
      ${where(this.conditions(filters, 'rollup'))}
      GROUP BY provider, model`;

    const byProvider = new Map<string, GroupRow & { optimization_savings: number }>();
    const all = emptyGroup('*');
    for (const r of rows) {
      const inputPrice = this.pricing.priceOf(r.provider, r.model)?.input ?? 0;
      const optimizationSavings = (r.tokens_saved * inputPrice) / 1_000_000;
      const p = byProvider.get(r.provider) ?? emptyGroup(r.provider);
      byProvider.set(r.provider, p);
      for (const g of [p, all]) {
        for (const k of SUMMED) g[k] += r[k];
        g.optimization_savings += optimizationSavings;
      }
    }

    const providers = [...byProvider.values()]
      .sort((a, b) => b.calls - a.calls || a.provider.localeCompare(b.provider))
      .map((p): ProviderStats => ({
        provider: p.provider,
        totalCalls: p.calls,
        totalTokens: p.tokens,
        totalCost: usd(p.cost),
        cachedCalls: p.cached,
        errorCalls: p.errors,
        avgLatencyMs: ms(ratio(p.latency_sum, p.calls)),
      }));
    const savings = all.cache_savings + all.optimization_savings;
    return {
      summary: {
        totalApiCalls: all.calls,
        totalTokensUsed: all.tokens,
        totalCostUsd: usd(all.cost),
        averageCostPerCall: usd(ratio(all.cost, all.calls - all.unknown_cost)),
        errorCalls: all.errors,
        unknownCostCalls: all.unknown_cost,
      },
      providers,
      optimization: {
        totalRequests: all.calls,
        optimizedRequests: all.optimized,
        optimizationRatePercent: percent(all.optimized, all.calls),
        cachedRequests: all.cached,
        cacheHitRatePercent: percent(all.cached, all.calls),
        tokensSaved: all.tokens_saved,
        estimatedSavings: usd(savings),
        cacheSavingsUsd: usd(all.cache_savings),
        optimizationSavingsUsd: usd(all.optimization_savings),
        combinedImpact: percent(savings, savings + all.cost),
      },
      adoption: {
        cacheHitRatePercent: percent(all.cached, all.calls),
        optimizationAdoptionPercent: percent(all.optimized, all.calls),
        streamingAdoptionPercent: percent(all.streamed, all.calls),
      },
      avgLatencyMs: ms(ratio(all.latency_sum, all.calls)),
    };
  }

  /**
   * Cost per UTC day over the last `days` days (today included), zero days included.
   *
   * Trend rule: the mean daily cost of the window's second half is compared with
   * its first half's (each floor(days / 2) days; with an odd number of days the
   * middle day belongs to neither). More than 10% higher is 'increasing', more than
   * 10% lower 'decreasing', else 'stable'. With a first half at zero, any cost in
   * the second half is 'increasing'. A one-day window is 'stable'. Today counts
   * as a whole day although it is not over yet.
   */
  async trends(days = 30, filters: Omit<AnalyticsFilters, 'days'> = {}): Promise<Trends> {
    days = windowDays(days);
    const today = utcDay(this.now());
    const start = new Date(today.getTime() - (days - 1) * DAY_MS);
    const conds = [...this.conditions(filters, 'rollup'), Prisma.sql`day >= ${isoDay(start)}::date AND day <= ${isoDay(today)}::date`];
    const rows = await this.prisma.$queryRaw<{ day: string; cost: number }[]>`
      SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.cost, 0)::float8 AS cost
      FROM generate_series(${isoDay(start)}::date, ${isoDay(today)}::date, interval '1 day') AS d(day)
      LEFT JOIN (
        SELECT day, sum(cost_usd) AS cost
        FROM ${dailyTable(filters)}
        ${where(conds)}
        GROUP BY 1
      ) c ON c.day = d.day::date
      ORDER BY d.day`;
    const costs = rows.map((r) => r.cost);
    const total = costs.reduce((a, b) => a + b, 0);
    return {
      periodDays: days,
      dailyBreakdown: Object.fromEntries(rows.map((r) => [r.day, usd(r.cost)])),
      totalPeriodCost: usd(total),
      averageDailyCost: usd(ratio(total, days)),
      costTrend: costTrend(costs),
    };
  }

  /**
   * Latency percentiles are over every call in the window (cache hits included: what callers
   * saw), interpolated as percentile_cont does: exact when the window has at most
   * EXACT_PERCENTILE_MAX calls and all their raw rows, else from the latency histograms.
   */
  async performance(filters: AnalyticsFilters = {}): Promise<PerformanceReport> {
    const rollupConds = this.conditions(filters, 'rollup');
    const rawConds = this.conditions(filters);
    const [overview, histogram] = await Promise.all([
      this.overview(filters),
      this.prisma.$queryRaw<{ bucket: number; calls: number }[]>`
        SELECT bucket, sum(calls)::float8 AS calls
        FROM ${latencyTable(filters)}
        ${where(rollupConds)}
        GROUP BY bucket
        ORDER BY bucket`,
    ]);
    const calls = overview.summary.totalApiCalls;
    let [p50 = 0, p95 = 0] = histogramPercentiles(histogram, [0.5, 0.95]);
    if (calls > 0 && calls <= EXACT_PERCENTILE_MAX) {
      // Both percentiles from one sort (the array form).
      const [exact] = await this.prisma.$queryRaw<{ n: number; p: number[] | null }[]>`
        SELECT count(*)::int AS n, percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY latency_ms) AS p
        FROM api_calls
        ${where(rawConds)}`;
      // Fewer raw rows than rolled-up calls: retention deleted some; the histogram has them all.
      if (exact!.n === calls && exact!.p) [p50 = 0, p95 = 0] = exact!.p;
    }
    const { summary, adoption } = overview;
    return {
      reportType: 'Performance Report',
      generatedAt: this.now(),
      summary,
      metrics: {
        cacheEfficiency: adoption.cacheHitRatePercent,
        optimizationImpact: adoption.optimizationAdoptionPercent,
        streamingAdoption: adoption.streamingAdoptionPercent,
        avgLatencyMs: overview.avgLatencyMs,
        p50LatencyMs: ms(p50),
        p95LatencyMs: ms(p95),
        errorRatePercent: percent(summary.errorCalls, summary.totalApiCalls),
      },
      providers: overview.providers.map((p) => p.provider),
    };
  }

  /** The guide's dashboard: one grouped scan plus the 7-day cost series. */
  async dashboard(filters: AnalyticsFilters = {}): Promise<Dashboard> {
    const { days: _ignored, ...trendFilters } = filters;
    const [overview, costTrends] = await Promise.all([this.overview(filters), this.trends(7, trendFilters)]);
    return {
      summary: overview.summary,
      performance: overview.adoption,
      providerBreakdown: overview.providers,
      costTrends,
      optimizationImpact: overview.optimization,
      timestamp: this.now(),
    };
  }

  /** Cost recorded on one UTC day (the budget check; one day of the rollup), optionally of one user. */
  async costOnDay(day: Date, filters: Pick<AnalyticsFilters, 'userId'> = {}): Promise<number> {
    const conds = [...this.conditions(filters, 'rollup'), Prisma.sql`day = ${isoDay(utcDay(day))}::date`];
    const [row] = await this.prisma.$queryRaw<{ cost: number }[]>`
      SELECT coalesce(sum(cost_usd), 0)::float8 AS cost FROM ${dailyTable(filters)} ${where(conds)}`;
    return row!.cost;
  }

  /** How many rows an export with these filters would have, counting at most `cap`. */
  async countCalls(filters: AnalyticsFilters, cap: number): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM api_calls ${where(this.conditions(filters))} LIMIT ${cap}) t`;
    return row!.n;
  }

  /**
   * The filtered calls, oldest first, in pages of EXPORT_PAGE rows (keyset
   * pagination on (created_at, id)), at most `limit` rows in all.
   */
  async *exportCalls(options: ExportOptions): AsyncGenerator<ExportRow[]> {
    const limit = exportLimit(options.limit);
    const f = analyticsFilters(options);
    const base = {
      ...(f.provider !== undefined ? { provider: f.provider } : {}),
      ...(f.userId !== undefined ? { userId: f.userId } : {}),
      ...(f.days !== undefined ? { createdAt: { gte: windowStart(this.now(), f.days) } } : {}),
    };
    let after: { createdAt: Date; id: string } | null = null;
    let sent = 0;
    while (sent < limit) {
      const page: Awaited<ReturnType<PrismaClient['apiCall']['findMany']>> = await this.prisma.apiCall.findMany({
        where: after
          ? { AND: [base, { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }] }
          : base,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: Math.min(EXPORT_PAGE, limit - sent),
      });
      if (!page.length) return;
      sent += page.length;
      after = page[page.length - 1]!;
      yield page.map((c) => ({
        id: c.id,
        createdAt: c.createdAt.toISOString(),
        provider: c.provider,
        model: c.model,
        source: c.source,
        userId: c.userId,
        apiKeyId: c.apiKeyId,
        teamId: c.teamId,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        tokensUsed: c.cached ? 0 : c.inputTokens + c.outputTokens,
        latencyMs: c.latencyMs,
        cached: c.cached,
        optimized: c.optimized,
        tokensSaved: c.tokensSaved,
        streamed: c.streamed,
        status: c.status,
        errorCode: c.errorCode,
        ...(options.includeCosts ? { costUsd: c.costUsd, listCostUsd: c.listCostUsd, costEstimated: c.costEstimated } : {}),
      }));
      if (page.length < EXPORT_PAGE) return;
    }
  }

  /** Deletes every recorded call and the rollups; returns how many raw rows were deleted. */
  async reset(): Promise<number> {
    const [deleted] = await this.prisma.$transaction([
      this.prisma.$executeRaw`DELETE FROM api_calls`,
      this.prisma.$executeRaw`DELETE FROM api_call_daily`,
      this.prisma.$executeRaw`DELETE FROM api_call_user_daily`,
      this.prisma.$executeRaw`DELETE FROM api_call_latency_daily`,
      this.prisma.$executeRaw`DELETE FROM api_call_user_latency_daily`,
      this.prisma.$executeRaw`DELETE FROM api_call_spend_daily`,
    ]);
    return deleted;
  }

  /**
   * The filters as SQL conditions over raw calls or over a daily rollup, checked again here
   * (cheap) so that no caller can reach SQL with a bad value. Every method builds its
   * conditions before it starts a query.
   */
  private conditions(filters: AnalyticsFilters, on: 'calls' | 'rollup' = 'calls'): Prisma.Sql[] {
    const f = analyticsFilters(filters);
    const conds: Prisma.Sql[] = [];
    if (f.provider !== undefined) conds.push(Prisma.sql`provider = ${f.provider}`);
    if (f.userId !== undefined) conds.push(Prisma.sql`user_id = ${f.userId}::uuid`);
    if (f.days !== undefined) {
      const start = windowStart(this.now(), f.days);
      conds.push(on === 'rollup' ? Prisma.sql`day >= ${isoDay(start)}::date` : Prisma.sql`created_at >= ${start}`);
    }
    return conds;
  }
}

/** Rollup tables: the per-user ones when the filter names a user (their primary key starts with user_id). */
function dailyTable(f: AnalyticsFilters): Prisma.Sql {
  return f.userId !== undefined ? Prisma.raw('api_call_user_daily') : Prisma.raw('api_call_daily');
}

function latencyTable(f: AnalyticsFilters): Prisma.Sql {
  return f.userId !== undefined ? Prisma.raw('api_call_user_latency_daily') : Prisma.raw('api_call_latency_daily');
}

/**
 * The latency a histogram bucket stands for (api_call_latency_bucket in the rollup
 * migration): bucket b < 64 is b ms; above, 32 buckets per power of two, each standing
 * for the middle of its range.
 */
export function latencyBucketValue(bucket: number): number {
  if (bucket < 64) return bucket;
  const k = bucket - 64;
  const shift = Math.floor(k / 32) + 1;
  const lower = (32 + (k % 32)) * 2 ** shift;
  return lower + (2 ** shift - 1) / 2;
}

/** percentile_cont's interpolation over the values the buckets stand for. */
export function histogramPercentiles(rows: { bucket: number; calls: number }[], ps: number[]): number[] {
  const n = rows.reduce((a, r) => a + r.calls, 0);
  if (n === 0) return ps.map(() => 0);
  /** The value at 0-based position i of the sorted calls. */
  const at = (i: number): number => {
    let seen = 0;
    for (const r of rows) {
      seen += r.calls;
      if (i < seen) return latencyBucketValue(r.bucket);
    }
    return latencyBucketValue(rows[rows.length - 1]!.bucket);
  };
  return ps.map((p) => {
    const rank = p * (n - 1);
    const lo = Math.floor(rank);
    const low = at(lo);
    return rank === lo ? low : low + (rank - lo) * (at(lo + 1) - low);
  });
}

const SUMMED = ['calls', 'errors', 'cached', 'optimized', 'streamed', 'unknown_cost', 'tokens', 'cost', 'cache_savings', 'tokens_saved', 'latency_sum'] as const;

function emptyGroup(provider: string): GroupRow & { optimization_savings: number } {
  return {
    provider, model: '*', calls: 0, errors: 0, cached: 0, optimized: 0, streamed: 0, unknown_cost: 0,
    tokens: 0, cost: 0, cache_savings: 0, tokens_saved: 0, latency_sum: 0, optimization_savings: 0,
  };
}

function where(conds: Prisma.Sql[]): Prisma.Sql {
  return conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, ' AND ')}` : Prisma.empty;
}

/** An export's row limit: an integer 1..EXPORT_MAX_ROWS; EXPORT_MAX_ROWS when absent. */
export function exportLimit(value: unknown): number {
  if (value == null) return EXPORT_MAX_ROWS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > EXPORT_MAX_ROWS) {
    throw new GatewayError('VALIDATION_ERROR', `limit must be an integer between 1 and ${EXPORT_MAX_ROWS}`, { details: { field: 'limit' } });
  }
  return value;
}

/** Trend of a daily series: see AnalyticsQueries.trends. */
export function costTrend(daily: number[]): CostTrend {
  const half = Math.floor(daily.length / 2);
  if (half === 0) return 'stable';
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(daily.slice(0, half));
  const second = mean(daily.slice(daily.length - half));
  if (first === 0) return second > 0 ? 'increasing' : 'stable';
  const change = (second - first) / first;
  if (change > 0.1) return 'increasing';
  if (change < -0.1) return 'decreasing';
  return 'stable';
}

export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function windowStart(now: Date, days: number): Date {
  return new Date(utcDay(now).getTime() - (days - 1) * DAY_MS);
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

/** Percent with two decimals. */
function percent(part: number, whole: number): number {
  return Math.round(ratio(part, whole) * 10_000) / 100;
}

/** USD with eight decimals (sub-cent costs stay visible; float noise goes). */
function usd(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

function ms(x: number): number {
  return Math.round(x * 100) / 100;
}
