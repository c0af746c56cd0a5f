// Analytics over GraphQL: the same figures as /api/ai/analytics (camelCase),
// budget alerts, the admin reset, and analyticsUpdated, pushed as calls are recorded.
// Filters are checked and scoped by the analytics service (non-admins see only their own calls).
import { requireAdmin } from '../auth/auth-service.js';
import type { BudgetAlertRecord, BudgetStatus } from '../analytics/budget.js';
import type { AnalyticsUpdate } from '../analytics/live.js';
import type { AnalyticsFilterInput } from '../analytics/filters.js';
import type {
  AdoptionRates, Dashboard, OptimizationImpact, PerformanceReport, ProviderStats, Summary, Trends,
} from '../analytics/queries.js';
import type { GraphQLContext } from '../context.js';
import { builder } from './builder.js';

const SummaryRef = builder.objectRef<Summary>('AnalyticsSummary').implement({
  fields: (t) => ({
    totalApiCalls: t.exposeInt('totalApiCalls'),
    totalTokensUsed: t.exposeFloat('totalTokensUsed', { description: 'Input + output tokens of calls not served from the cache' }),
    totalCostUsd: t.exposeFloat('totalCostUsd', { description: 'Sum of known costs; calls with an unknown price are in unknownCostCalls' }),
    averageCostPerCall: t.exposeFloat('averageCostPerCall', { description: 'totalCostUsd over the calls whose cost is known' }),
    errorCalls: t.exposeInt('errorCalls'),
    unknownCostCalls: t.exposeInt('unknownCostCalls'),
  }),
});

const ProviderStatsRef = builder.objectRef<ProviderStats>('ProviderStats').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    totalCalls: t.exposeInt('totalCalls'),
    totalTokens: t.exposeFloat('totalTokens'),
    totalCost: t.exposeFloat('totalCost'),
    cachedCalls: t.exposeInt('cachedCalls'),
    errorCalls: t.exposeInt('errorCalls'),
    avgLatencyMs: t.exposeFloat('avgLatencyMs'),
  }),
});

const DailyCostRef = builder.objectRef<{ day: string; cost: number }>('DailyCost').implement({
  fields: (t) => ({
    day: t.exposeString('day', { description: 'UTC day, YYYY-MM-DD' }),
    cost: t.exposeFloat('cost', { description: 'USD' }),
  }),
});

const CostTrendEnum = builder.enumType('CostTrend', { values: ['increasing', 'stable', 'decreasing'] as const });

const TrendsRef = builder.objectRef<Trends>('CostTrends').implement({
  fields: (t) => ({
    periodDays: t.exposeInt('periodDays'),
    dailyBreakdown: t.field({
      type: [DailyCostRef],
      description: 'Every day of the window, oldest first, days without calls at 0',
      resolve: (tr) => Object.entries(tr.dailyBreakdown).map(([day, cost]) => ({ day, cost })),
    }),
    totalPeriodCost: t.exposeFloat('totalPeriodCost'),
    averageDailyCost: t.exposeFloat('averageDailyCost'),
    costTrend: t.expose('costTrend', {
      type: CostTrendEnum,
      description: 'Mean daily cost of the second half of the window against the first: over +10% increasing, under -10% decreasing',
    }),
  }),
});

const OptimizationRef = builder.objectRef<OptimizationImpact>('OptimizationImpact').implement({
  fields: (t) => ({
    totalRequests: t.exposeInt('totalRequests'),
    optimizedRequests: t.exposeInt('optimizedRequests'),
    optimizationRatePercent: t.exposeFloat('optimizationRatePercent'),
    cachedRequests: t.exposeInt('cachedRequests'),
    cacheHitRatePercent: t.exposeFloat('cacheHitRatePercent'),
    tokensSaved: t.exposeFloat('tokensSaved'),
    estimatedSavings: t.exposeFloat('estimatedSavings', { description: 'USD: cacheSavingsUsd + optimizationSavingsUsd' }),
    cacheSavingsUsd: t.exposeFloat('cacheSavingsUsd', { description: 'What cache hits would have cost upstream' }),
    optimizationSavingsUsd: t.exposeFloat('optimizationSavingsUsd', { description: "Tokens saved at each model's input price" }),
    combinedImpact: t.exposeFloat('combinedImpact', { description: 'Percent of the cost without cache and optimization that was saved' }),
  }),
});

const AdoptionRef = builder.objectRef<AdoptionRates>('AdoptionRates').implement({
  fields: (t) => ({
    cacheHitRatePercent: t.exposeFloat('cacheHitRatePercent'),
    optimizationAdoptionPercent: t.exposeFloat('optimizationAdoptionPercent'),
    streamingAdoptionPercent: t.exposeFloat('streamingAdoptionPercent'),
  }),
});

const PerformanceMetricsRef = builder.objectRef<PerformanceReport['metrics']>('PerformanceMetrics').implement({
  fields: (t) => ({
    cacheEfficiency: t.exposeFloat('cacheEfficiency'),
    optimizationImpact: t.exposeFloat('optimizationImpact'),
    streamingAdoption: t.exposeFloat('streamingAdoption'),
    avgLatencyMs: t.exposeFloat('avgLatencyMs'),
    p50LatencyMs: t.exposeFloat('p50LatencyMs'),
    p95LatencyMs: t.exposeFloat('p95LatencyMs'),
    errorRatePercent: t.exposeFloat('errorRatePercent'),
  }),
});

const PerformanceRef = builder.objectRef<PerformanceReport>('PerformanceReport').implement({
  fields: (t) => ({
    reportType: t.exposeString('reportType'),
    generatedAt: t.expose('generatedAt', { type: 'DateTime' }),
    summary: t.expose('summary', { type: SummaryRef }),
    metrics: t.expose('metrics', { type: PerformanceMetricsRef }),
    providers: t.exposeStringList('providers'),
  }),
});

const DashboardRef = builder.objectRef<Dashboard>('AnalyticsDashboard').implement({
  fields: (t) => ({
    summary: t.expose('summary', { type: SummaryRef }),
    performance: t.expose('performance', { type: AdoptionRef }),
    providerBreakdown: t.expose('providerBreakdown', { type: [ProviderStatsRef] }),
    costTrends: t.expose('costTrends', { type: TrendsRef, description: 'The last 7 days' }),
    optimizationImpact: t.expose('optimizationImpact', { type: OptimizationRef }),
    timestamp: t.expose('timestamp', { type: 'DateTime' }),
  }),
});

const UpdateRef = builder.objectRef<AnalyticsUpdate>('AnalyticsUpdate').implement({
  fields: (t) => ({
    summary: t.expose('summary', { type: SummaryRef }),
    providers: t.expose('providers', { type: [ProviderStatsRef] }),
    optimization: t.expose('optimization', { type: OptimizationRef }),
    timestamp: t.expose('timestamp', { type: 'DateTime' }),
  }),
});

const BudgetAlertRef = builder.objectRef<BudgetAlertRecord>('BudgetAlert').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    day: t.exposeString('day', { description: 'UTC day, YYYY-MM-DD' }),
    budgetUsd: t.exposeFloat('budgetUsd'),
    costUsd: t.exposeFloat('costUsd', { description: 'Cost recorded that day when the alert was raised' }),
    email: t.exposeString('email', { nullable: true }),
    delivered: t.exposeBoolean('delivered'),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const BudgetStatusRef = builder.objectRef<BudgetStatus>('BudgetStatus').implement({
  fields: (t) => ({
    dailyBudgetUsd: t.exposeFloat('dailyBudgetUsd', { nullable: true, description: 'DAILY_BUDGET_USD; null when alerts are off' }),
    todayCostUsd: t.exposeFloat('todayCostUsd'),
    alerts: t.expose('alerts', { type: [BudgetAlertRef], description: 'Most recent first' }),
  }),
});

// ---- root fields ----

const filterArgs = builder.args((t) => ({
  provider: t.string({ description: 'Only this provider' }),
  days: t.int({ description: 'Only the last N UTC days including today (1..365)' }),
  userId: t.string({ description: "Only this user's calls (admins; anyone else sees only their own calls)" }),
}));

const request = (viewer: GraphQLContext['viewer'], filters: AnalyticsFilterInput) => ({ viewer, filters, naming: 'graphql' as const });

builder.queryFields((t) => ({
  analyticsDashboard: t.field({
    type: DashboardRef,
    args: filterArgs,
    resolve: (_, a, { services, viewer }) => services.analytics.dashboard(request(viewer, a)),
  }),
  analyticsSummary: t.field({
    type: SummaryRef,
    args: filterArgs,
    resolve: (_, a, { services, viewer }) => services.analytics.summary(request(viewer, a)),
  }),
  analyticsProviders: t.field({
    type: [ProviderStatsRef],
    description: 'Per provider, most calls first',
    args: filterArgs,
    resolve: (_, a, { services, viewer }) => services.analytics.providers(request(viewer, a)),
  }),
  analyticsTrends: t.field({
    type: TrendsRef,
    args: {
      days: t.arg.int({ defaultValue: 30, description: 'Window in UTC days including today (1..365)' }),
      provider: t.arg.string(),
      userId: t.arg.string(),
    },
    resolve: (_, a, { services, viewer }) => services.analytics.trends(request(viewer, a)),
  }),
  analyticsOptimization: t.field({
    type: OptimizationRef,
    args: filterArgs,
    resolve: (_, a, { services, viewer }) => services.analytics.optimization(request(viewer, a)),
  }),
  analyticsPerformance: t.field({
    type: PerformanceRef,
    args: filterArgs,
    resolve: (_, a, { services, viewer }) => services.analytics.performance(request(viewer, a)),
  }),
  budgetAlerts: t.field({
    type: BudgetStatusRef,
    description: "The daily budget, today's cost and the alerts raised (one per UTC day at most); for non-admins their own cost today and no alerts",
    resolve: (_, __, { services, viewer }) => services.analytics.budgetStatus({ viewer }),
  }),
}));

builder.mutationField('resetAnalytics', (t) =>
  t.int({
    description: 'Deletes every recorded call (admins only). Returns how many.',
    resolve: (_, __, { services, viewer }) => {
      requireAdmin(viewer);
      return services.analytics.reset();
    },
  }),
);

builder.subscriptionField('analyticsUpdated', (t) =>
  t.field({
    type: UpdateRef,
    description: 'The summary and per-provider figures (a non-admin\'s own): now, then after calls are recorded (at most about twice a second)',
    subscribe: (_, __, { services, viewer, cancel }) => services.analytics.subscribe({ viewer }, cancel?.signal),
    resolve: (update) => update,
  }),
);
