// The guide's analytics endpoints (FASE 6), snake_case, plus budget alerts and
// the dashboard page. Reads take optional ?provider=, ?days= (1..365) and
// ?user_id= filters (a non-admin sees only their own calls: see
// AnalyticsService.scope); the figures' definitions are in src/analytics/queries.ts.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { BudgetStatus } from '../../analytics/budget.js';
import type { AnalyticsFilterInput } from '../../analytics/filters.js';
import type {
  AdoptionRates, Dashboard, ExportRow, OptimizationImpact, PerformanceReport, ProviderStats, Summary, Trends,
} from '../../analytics/queries.js';
import type { AnalyticsRequest } from '../../analytics/service.js';
import { dashboardRoutes } from '../../web/routes.js';
import type { Route } from '../router.js';
import { parseBody } from '../../validators.js';

export const summaryJson = (s: Summary) => ({
  total_api_calls: s.totalApiCalls,
  total_tokens_used: s.totalTokensUsed,
  total_cost_usd: s.totalCostUsd,
  average_cost_per_call: s.averageCostPerCall,
  error_calls: s.errorCalls,
  unknown_cost_calls: s.unknownCostCalls,
});

export const providersJson = (list: ProviderStats[]) =>
  Object.fromEntries(
    list.map((p) => [
      p.provider,
      {
        total_calls: p.totalCalls,
        total_tokens: p.totalTokens,
        total_cost: p.totalCost,
        cached_calls: p.cachedCalls,
        error_calls: p.errorCalls,
        avg_latency_ms: p.avgLatencyMs,
      },
    ]),
  );

const trendsJson = (t: Trends) => ({
  period_days: t.periodDays,
  daily_breakdown: t.dailyBreakdown,
  total_period_cost: t.totalPeriodCost,
  average_daily_cost: t.averageDailyCost,
  cost_trend: t.costTrend,
});

export const optimizationJson = (o: OptimizationImpact) => ({
  total_requests: o.totalRequests,
  optimized_requests: o.optimizedRequests,
  optimization_rate_percent: o.optimizationRatePercent,
  cached_requests: o.cachedRequests,
  cache_hit_rate_percent: o.cacheHitRatePercent,
  tokens_saved: o.tokensSaved,
  estimated_savings: o.estimatedSavings,
  cache_savings_usd: o.cacheSavingsUsd,
  optimization_savings_usd: o.optimizationSavingsUsd,
  combined_impact: o.combinedImpact,
});

const adoptionJson = (a: AdoptionRates) => ({
  cache_hit_rate_percent: a.cacheHitRatePercent,
  optimization_adoption_percent: a.optimizationAdoptionPercent,
  streaming_adoption_percent: a.streamingAdoptionPercent,
});

const performanceJson = (p: PerformanceReport) => ({
  report_type: p.reportType,
  generated_at: p.generatedAt.toISOString(),
  summary: summaryJson(p.summary),
  metrics: {
    cache_efficiency: p.metrics.cacheEfficiency,
    optimization_impact: p.metrics.optimizationImpact,
    streaming_adoption: p.metrics.streamingAdoption,
    avg_latency_ms: p.metrics.avgLatencyMs,
    p50_latency_ms: p.metrics.p50LatencyMs,
    p95_latency_ms: p.metrics.p95LatencyMs,
    error_rate_percent: p.metrics.errorRatePercent,
  },
  providers: p.providers,
});

const dashboardJson = (d: Dashboard) => ({
  summary: summaryJson(d.summary),
  performance: adoptionJson(d.performance),
  provider_breakdown: providersJson(d.providerBreakdown),
  cost_trends: trendsJson(d.costTrends),
  optimization_impact: optimizationJson(d.optimizationImpact),
  timestamp: d.timestamp.toISOString(),
});

const budgetJson = (b: BudgetStatus) => ({
  daily_budget_usd: b.dailyBudgetUsd,
  today_cost_usd: b.todayCostUsd,
  alerts: b.alerts.map((a) => ({
    day: a.day,
    budget_usd: a.budgetUsd,
    cost_usd: a.costUsd,
    email: a.email,
    delivered: a.delivered,
    error: a.error,
    created_at: a.createdAt.toISOString(),
  })),
});

/** The query string's filters, as text: the analytics service checks them. */
function filtersFrom(query: URLSearchParams): AnalyticsFilterInput {
  return { provider: query.get('provider'), days: query.get('days'), userId: query.get('user_id') };
}

/** A GET route answering the figures for the viewer and the query's filters. */
function read(path: string, handler: (r: Parameters<Route['handler']>[0], request: AnalyticsRequest) => Promise<unknown>): Route {
  return {
    method: 'GET',
    path: `/api/ai/analytics/${path}`,
    access: 'user',
    async handler(r) {
      return { body: await handler(r, { viewer: r.viewer, filters: filtersFrom(r.query), naming: 'rest' }) };
    },
  };
}

const EXPORT_FIELDS: [string, keyof ExportRow][] = [
  ['id', 'id'], ['created_at', 'createdAt'], ['provider', 'provider'], ['model', 'model'], ['source', 'source'], ['user_id', 'userId'],
  ['input_tokens', 'inputTokens'], ['output_tokens', 'outputTokens'], ['tokens_used', 'tokensUsed'], ['latency_ms', 'latencyMs'],
  ['cached', 'cached'], ['optimized', 'optimized'], ['tokens_saved', 'tokensSaved'], ['streamed', 'streamed'],
  ['status', 'status'], ['error_code', 'errorCode'], ['api_key_id', 'apiKeyId'], ['team_id', 'teamId'],
];
const COST_FIELDS: [string, keyof ExportRow][] = [['cost_usd', 'costUsd'], ['list_cost_usd', 'listCostUsd'], ['cost_estimated', 'costEstimated']];

// Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
// = + - @ (or their full-width forms), also one that a tab or CR leads into. A reader that
// splits on another separator (';' or tab in many locales) or mishandles quotes starts a new
// cell after any of those characters inside a cell, so a trigger there is neutralised too:
// a ' goes before it (spaces between count as part of the start). Every text cell is also
// quoted, as OWASP advises, so a comma reader never splits inside it.
const FORMULA_START = /(^|[,;\t\r\n"'])( *[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;
const CONTROL_START = /^[\t\r\0]/;

/**
 * One CSV cell (RFC 4180): numbers and booleans as they are; text always quoted, with
 * every place a spreadsheet could read as the start of a formula neutralised by a '.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  let s = v.replace(FORMULA_START, "$1'$2");
  if (CONTROL_START.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

const ExportBody = z.object({
  // The filters and the limit are checked by the analytics service (the same rules as every read).
  provider: z.unknown().optional(),
  days: z.unknown().optional(),
  user_id: z.unknown().optional(),
  include_costs: z.boolean().default(true),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.unknown().optional(),
});

async function write(res: ServerResponse, chunk: string, signal: AbortSignal): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain', { signal });
}

/**
 * Writes an export as it is read, page by page: CSV (header row, CRLF lines) or
 * one JSON object whose records array streams. The first page is read before
 * the status line, so a failing query still answers a JSON error.
 */
async function streamExport(
  res: ServerResponse,
  signal: AbortSignal,
  rows: AsyncGenerator<ExportRow[]>,
  fields: [string, keyof ExportRow][],
  format: 'json' | 'csv',
  truncated: boolean,
  filters: Record<string, unknown>,
): Promise<void> {
  let batch = await rows.next();
  const csv = format === 'csv';
  res.writeHead(200, {
    'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    ...(csv ? { 'content-disposition': `attachment; filename="analytics-export-${new Date().toISOString().slice(0, 10)}.csv"` } : {}),
    'x-export-truncated': String(truncated),
  });
  const line = csv
    ? (r: ExportRow) => fields.map(([, f]) => csvCell(r[f])).join(',') + '\r\n'
    : (r: ExportRow) => JSON.stringify(Object.fromEntries(fields.map(([k, f]) => [k, r[f] ?? null])));
  if (csv) await write(res, fields.map(([k]) => k).join(',') + '\r\n', signal);
  else await write(res, `{"status":"success","exported_at":${JSON.stringify(new Date().toISOString())},"filters":${JSON.stringify(filters)},"records":[`, signal);
  let count = 0;
  while (!batch.done && !signal.aborted) {
    const lines = batch.value.map(line);
    await write(res, csv ? lines.join('') : (count ? ',' : '') + lines.join(','), signal);
    count += lines.length;
    batch = await rows.next();
  }
  if (!csv) await write(res, `],"total_records":${count},"truncated":${truncated}}`, signal);
  res.end();
}

export const analyticsRoutes: Route[] = [
  read('dashboard', async ({ services }, a) => dashboardJson(await services.analytics.dashboard(a))),
  read('summary', async ({ services }, a) => summaryJson(await services.analytics.summary(a))),
  read('providers', async ({ services }, a) => providersJson(await services.analytics.providers(a))),
  read('trends', async ({ services }, a) => trendsJson(await services.analytics.trends(a))),
  read('optimization', async ({ services }, a) => optimizationJson(await services.analytics.optimization(a))),
  read('performance', async ({ services }, a) => performanceJson(await services.analytics.performance(a))),
  read('alerts', async ({ services }, a) => budgetJson(await services.analytics.budgetStatus(a))),
  {
    method: 'POST',
    path: '/api/ai/analytics/export',
    access: 'user',
    async handler({ body, services, res, cancel, viewer }) {
      const b = parseBody(ExportBody, body);
      const { filters, truncated, rows } = await services.analytics.prepareExport({
        viewer,
        filters: { provider: b.provider, days: b.days, userId: b.user_id },
        naming: 'rest',
        includeCosts: b.include_costs,
        limit: b.limit,
      });
      const fields = b.include_costs ? [...EXPORT_FIELDS, ...COST_FIELDS] : EXPORT_FIELDS;
      try {
        await streamExport(res, cancel.signal, rows, fields, b.format, truncated, {
          provider: filters.provider ?? null, days: filters.days ?? null, user_id: filters.userId ?? null, include_costs: b.include_costs,
        });
      } finally {
        await rows.return(undefined);
      }
      return undefined;
    },
  },
  {
    method: 'DELETE',
    path: '/api/ai/analytics/reset',
    access: 'admin',
    async handler({ services }) {
      const deleted = await services.analytics.reset();
      return { body: { status: 'success', message: 'All analytics data reset', deleted_records: deleted } };
    },
  },
  ...dashboardRoutes,
];
