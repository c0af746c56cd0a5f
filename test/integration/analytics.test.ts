// Analytics end to end on both backends: known calls are seeded straight into
// api_calls, and every endpoint's figures are checked against values worked out
// by hand below. Then export, reset, a live completion, the analyticsUpdated
// subscription and /metrics.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTrend } from '../../src/analytics/queries.js';
import { csvCell } from '../../src/rest/routes/analytics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { wsClient } from '../helpers/ws.js';

const DAY = 86_400_000;
const todayUtc = () => {
  const n = new Date();
  return Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate());
};
const isoDay = (offset: number) => new Date(todayUtc() + offset * DAY).toISOString().slice(0, 10);

interface Seed {
  key: string;
  provider: string;
  model: string;
  day: number; // offset from today (UTC)
  minute: number; // minutes after 00:00 UTC that day
  input: number;
  output: number;
  cost: number | null;
  list: number | null;
  cached?: boolean;
  optimized?: boolean;
  saved?: number;
  streamed?: boolean;
  error?: string;
  latency: number;
  admin?: boolean;
}

// Prices (src/pricing/prices.json, USD per 1M input tokens): gpt-4o 2.5, claude-3-haiku 0.25.
const SEEDS: Seed[] = [
  { key: 'A', provider: 'openai', model: 'gpt-4o', day: 0, minute: 1, input: 100, output: 200, cost: 0.01, list: 0.01, optimized: true, saved: 40, streamed: true, latency: 100, admin: true },
  { key: 'B', provider: 'openai', model: 'gpt-4o', day: 0, minute: 2, input: 100, output: 200, cost: 0, list: 0.01, cached: true, optimized: true, saved: 40, latency: 2 },
  { key: 'C', provider: 'openai', model: 'gpt-4o', day: -1, minute: 30, input: 50, output: 50, cost: 0.004, list: 0.004, latency: 300 },
  { key: 'D', provider: 'anthropic', model: 'claude-3-haiku', day: -3, minute: 60, input: 1000, output: 500, cost: 0.02, list: 0.02, optimized: true, saved: 200, streamed: true, latency: 500 },
  { key: 'E', provider: 'anthropic', model: 'claude-3-haiku', day: -3, minute: 61, input: 0, output: 0, cost: 0, list: 0, error: 'PROVIDER_TIMEOUT', latency: 1000 },
  { key: 'F', provider: 'gemini', model: 'gemini-2.0-flash', day: -10, minute: 5, input: 10, output: 10, cost: null, list: null, latency: 50 },
  { key: 'G', provider: 'gemini', model: 'gemini-2.0-flash', day: -40, minute: 5, input: 500, output: 500, cost: 0.5, list: 0.5, latency: 200 },
];

// Worked out by hand from SEEDS:
// billed tokens (not cached): A 300 + C 100 + D 1500 + E 0 + F 20 + G 1000 = 2920
// cost: 0.01 + 0 + 0.004 + 0.02 + 0 + 0.5 = 0.534, F unknown -> average 0.534 / 6 = 0.089
// savings: cache B 0.01; optimization (40 + 40) * 2.5e-6 + 200 * 0.25e-6 = 0.00025 -> 0.01025
// combined impact: 0.01025 / (0.01025 + 0.534) * 100 = 1.8833 -> 1.88
// latencies sorted 2 50 100 200 300 500 1000: p50 200, p95 = 500 + 0.7 * 500 = 850, mean 2152 / 7 = 307.43

describe.each(BACKENDS)('analytics on %s', (backend) => {
  let t: TestApp;
  let admin: string;
  let userToken: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = await t.adminToken();
    const created = await t.request('POST', '/api/auth/users', { token: admin, body: { username: 'viewer1', password: 'viewer-password', role: 'user' } });
    expect(created.status).toBeLessThan(300);
    userToken = (await t.request('POST', '/api/auth/login', { body: { username: 'viewer1', password: 'viewer-password' } })).body.access_token;
    adminId = (await t.app.services.db.prisma.user.findUniqueOrThrow({ where: { username: 'admin' } })).id;
    await t.app.services.db.prisma.apiCall.createMany({
      data: SEEDS.map((s) => ({
        id: randomUUID(),
        createdAt: new Date(todayUtc() + s.day * DAY + s.minute * 60_000),
        userId: s.admin ? adminId : null,
        provider: s.provider,
        model: s.model,
        source: 'seed',
        inputTokens: s.input,
        outputTokens: s.output,
        costUsd: s.cost,
        listCostUsd: s.list,
        latencyMs: s.latency,
        cached: s.cached ?? false,
        optimized: s.optimized ?? false,
        tokensSaved: s.saved ?? 0,
        streamed: s.streamed ?? false,
        status: s.error ? 'error' : 'success',
        errorCode: s.error ?? null,
      })),
    });
  });
  afterAll(() => t?.stop());

  const get = async (path: string, token = admin) => {
    const r = await t.request('GET', path, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it('summarises every call as billed', async () => {
    expect(await get('/api/ai/analytics/summary')).toEqual({
      total_api_calls: 7,
      total_tokens_used: 2920,
      total_cost_usd: 0.534,
      average_cost_per_call: 0.089,
      error_calls: 1,
      unknown_cost_calls: 1,
    });
    // Filters: the last 30 days leave G out; a provider; a user.
    expect(await get('/api/ai/analytics/summary?days=30')).toMatchObject({ total_api_calls: 6, total_tokens_used: 1920, total_cost_usd: 0.034 });
    expect(await get('/api/ai/analytics/summary?provider=openai')).toMatchObject({ total_api_calls: 3, total_tokens_used: 400, total_cost_usd: 0.014 });
    expect(await get(`/api/ai/analytics/summary?user_id=${adminId}`)).toMatchObject({ total_api_calls: 1, total_cost_usd: 0.01 });
    for (const bad of ['user_id=not-a-uuid', 'days=0', 'provider=']) {
      const r = await t.request('GET', `/api/ai/analytics/summary?${bad}`, { token: admin });
      expect([r.status, r.body.error.code], bad).toEqual([400, 'VALIDATION_ERROR']);
    }
    const gql = await t.gql('{ analyticsSummary(days: 30) { totalApiCalls totalTokensUsed totalCostUsd errorCalls } }', undefined, admin);
    expect(gql.body.data.analyticsSummary).toEqual({ totalApiCalls: 6, totalTokensUsed: 1920, totalCostUsd: 0.034, errorCalls: 1 });
  });

  it('breaks calls down per provider', async () => {
    const body = await get('/api/ai/analytics/providers');
    expect(Object.keys(body)).toEqual(['openai', 'anthropic', 'gemini']); // most calls first, then by name
    expect(body.openai).toEqual({ total_calls: 3, total_tokens: 400, total_cost: 0.014, cached_calls: 1, error_calls: 0, avg_latency_ms: 134 });
    expect(body.anthropic).toEqual({ total_calls: 2, total_tokens: 1500, total_cost: 0.02, cached_calls: 0, error_calls: 1, avg_latency_ms: 750 });
    expect(body.gemini).toEqual({ total_calls: 2, total_tokens: 1020, total_cost: 0.5, cached_calls: 0, error_calls: 0, avg_latency_ms: 125 });
    const gql = await t.gql('{ analyticsProviders { provider totalCalls } }', undefined, admin);
    expect(gql.body.data.analyticsProviders.map((p: { provider: string }) => p.provider)).toEqual(['openai', 'anthropic', 'gemini']);
  });

  it('gives cost per day for every day of the window, zero days included, and the trend', async () => {
    const week = await get('/api/ai/analytics/trends?days=7');
    const expected: Record<string, number> = {};
    for (let d = -6; d <= 0; d++) expected[isoDay(d)] = { 0: 0.01, [-1]: 0.004, [-3]: 0.02 }[d] ?? 0;
    expect(week.daily_breakdown).toEqual(expected);
    expect(Object.keys(week.daily_breakdown)).toEqual(Object.keys(expected)); // oldest first
    expect(week).toMatchObject({ period_days: 7, total_period_cost: 0.034, average_daily_cost: 0.00485714, cost_trend: 'increasing' });

    const month = await get('/api/ai/analytics/trends');
    expect(month.period_days).toBe(30);
    expect(Object.keys(month.daily_breakdown)).toHaveLength(30);
    // anthropic over 4 days: first half (0.02 + 0) / 2 against second half (0 + 0) / 2
    expect((await get('/api/ai/analytics/trends?days=4&provider=anthropic')).cost_trend).toBe('decreasing');
    expect((await get('/api/ai/analytics/trends?days=7&provider=gemini')).cost_trend).toBe('stable');

    for (const bad of ['0', '366', 'abc', '7.5', '-1']) {
      const r = await t.request('GET', `/api/ai/analytics/trends?days=${bad}`, { token: admin });
      expect([r.status, r.body.error.code], bad).toEqual([400, 'VALIDATION_ERROR']);
    }
    const gql = await t.gql('{ analyticsTrends(days: 3) { periodDays costTrend dailyBreakdown { day cost } } }', undefined, admin);
    expect(gql.body.data.analyticsTrends).toEqual({
      periodDays: 3,
      costTrend: 'increasing',
      dailyBreakdown: [{ day: isoDay(-2), cost: 0 }, { day: isoDay(-1), cost: 0.004 }, { day: isoDay(0), cost: 0.01 }],
    });
    const badGql = await t.gql('{ analyticsTrends(days: 0) { periodDays } }', undefined, admin);
    expect(badGql.body.errors[0].extensions.code).toBe('VALIDATION_ERROR');
  });

  it('applies the trend rule: second half mean against first half mean, ±10%', () => {
    expect(costTrend([1, 1, 1.2, 1.2])).toBe('increasing');
    expect(costTrend([1, 1, 1.05, 0.95])).toBe('stable');
    expect(costTrend([1, 1, 0.8, 0.8])).toBe('decreasing');
    expect(costTrend([1, 100, 1])).toBe('stable'); // the middle day of an odd window counts in neither half
    expect(costTrend([0, 0, 0, 5])).toBe('increasing');
    expect(costTrend([0, 0])).toBe('stable');
    expect(costTrend([3])).toBe('stable');
  });

  it('reports the savings of cache and optimization', async () => {
    expect(await get('/api/ai/analytics/optimization')).toEqual({
      total_requests: 7,
      optimized_requests: 3,
      optimization_rate_percent: 42.86,
      cached_requests: 1,
      cache_hit_rate_percent: 14.29,
      tokens_saved: 280,
      estimated_savings: 0.01025,
      cache_savings_usd: 0.01,
      optimization_savings_usd: 0.00025,
      combined_impact: 1.88,
    });
  });

  it('reports performance with latency percentiles', async () => {
    const p = await get('/api/ai/analytics/performance');
    expect(p.report_type).toBe('Performance Report');
    expect(Date.parse(p.generated_at)).not.toBeNaN();
    expect(p.summary.total_api_calls).toBe(7);
    expect(p.metrics).toEqual({
      cache_efficiency: 14.29,
      optimization_impact: 42.86,
      streaming_adoption: 28.57,
      avg_latency_ms: 307.43,
      p50_latency_ms: 200,
      p95_latency_ms: 850,
      error_rate_percent: 14.29,
    });
    expect(p.providers).toEqual(['openai', 'anthropic', 'gemini']);
    const gql = await t.gql('{ analyticsPerformance(provider: "anthropic") { metrics { p50LatencyMs errorRatePercent } providers } }', undefined, admin);
    expect(gql.body.data.analyticsPerformance).toEqual({ metrics: { p50LatencyMs: 750, errorRatePercent: 50 }, providers: ['anthropic'] });
  });

  it('answers the guide\'s whole dashboard', async () => {
    const d = await get('/api/ai/analytics/dashboard');
    expect(Object.keys(d).sort()).toEqual(['cost_trends', 'optimization_impact', 'performance', 'provider_breakdown', 'summary', 'timestamp']);
    expect(d.summary).toMatchObject({ total_api_calls: 7, total_tokens_used: 2920, total_cost_usd: 0.534, average_cost_per_call: 0.089 });
    expect(d.performance).toEqual({ cache_hit_rate_percent: 14.29, optimization_adoption_percent: 42.86, streaming_adoption_percent: 28.57 });
    expect(d.provider_breakdown.gemini).toMatchObject({ total_calls: 2, total_tokens: 1020, total_cost: 0.5 });
    expect(d.cost_trends).toMatchObject({ period_days: 7, total_period_cost: 0.034, cost_trend: 'increasing' });
    expect(d.optimization_impact).toMatchObject({ estimated_savings: 0.01025, combined_impact: 1.88 });
    const gql = await t.gql('{ analyticsDashboard { summary { totalApiCalls } performance { streamingAdoptionPercent } costTrends { periodDays } optimizationImpact { tokensSaved } } }', undefined, admin);
    expect(gql.body.data.analyticsDashboard).toEqual({
      summary: { totalApiCalls: 7 }, performance: { streamingAdoptionPercent: 28.57 }, costTrends: { periodDays: 7 }, optimizationImpact: { tokensSaved: 280 },
    });
    expect((await t.request('GET', '/api/ai/analytics/dashboard')).status).toBe(401);
  });

  it('exports the filtered calls as JSON, with or without costs', async () => {
    const r = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { provider: 'openai', days: 30, include_costs: true } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ status: 'success', filters: { provider: 'openai', days: 30, include_costs: true }, total_records: 3, truncated: false });
    expect(r.body.records.map((x: { latency_ms: number }) => x.latency_ms)).toEqual([300, 100, 2]); // C, A, B: oldest first
    expect(r.body.records[2]).toMatchObject({ provider: 'openai', model: 'gpt-4o', cached: true, tokens_used: 0, input_tokens: 100, cost_usd: 0, list_cost_usd: 0.01 });
    expect(r.body.records[1]).toMatchObject({ user_id: adminId, tokens_used: 300, tokens_saved: 40, streamed: true });

    const noCosts = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { include_costs: false } });
    expect(noCosts.body.total_records).toBe(7);
    expect(noCosts.body.records[0]).not.toHaveProperty('cost_usd');
    expect(noCosts.body.records[0]).toHaveProperty('latency_ms', 200); // G, the oldest

    const limited = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { limit: 2 } });
    expect([limited.body.total_records, limited.body.truncated, limited.headers.get('x-export-truncated')]).toEqual([2, true, 'true']);

    const bad = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { format: 'xml' } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('exports CSV with a header row and proper escaping', async () => {
    await t.app.services.db.prisma.apiCall.create({
      data: {
        id: randomUUID(), provider: 'odd', model: 'name, with "quotes"\nand a line', source: '=cmd()', status: 'success', latencyMs: 7, costUsd: 0.25,
      },
    });
    const r = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { provider: 'odd', format: 'csv' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="analytics-export-.*\.csv"$/);
    const text = r.body as string;
    const [header, ...rest] = text.split('\r\n');
    expect(header).toBe('id,created_at,provider,model,source,user_id,input_tokens,output_tokens,tokens_used,latency_ms,cached,optimized,tokens_saved,streamed,status,error_code,api_key_id,team_id,cost_usd,list_cost_usd,cost_estimated');
    expect(rest.at(-1)).toBe(''); // ends with CRLF
    expect(rest.join('\r\n')).toContain(`,"odd","name, with ""quotes""\nand a line","'=cmd()",,0,0,0,7,false,false,0,false,"success",,,,0.25,,false`);

    const openai = await t.request('POST', '/api/ai/analytics/export', { token: admin, body: { provider: 'openai', format: 'csv', include_costs: false } });
    const lines = (openai.body as string).trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]!.endsWith('status,error_code,api_key_id,team_id')).toBe(true);

    expect(csvCell(null)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell('+1')).toBe(`"'+1"`);
  });

  it('resets for admins only', async () => {
    const denied = await t.request('DELETE', '/api/ai/analytics/reset', { token: userToken });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const deniedGql = await t.gql('mutation { resetAnalytics }', undefined, userToken);
    expect(deniedGql.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const r = await t.request('DELETE', '/api/ai/analytics/reset', { token: admin });
    expect(r.body).toEqual({ status: 'success', message: 'All analytics data reset', deleted_records: 8 });
    expect((await get('/api/ai/analytics/summary')).total_api_calls).toBe(0);
    expect((await t.gql('mutation { resetAnalytics }', undefined, admin)).body.data.resetAnalytics).toBe(0);
  });

  it('counts a live completion once the recorder has flushed', async () => {
    const r = await t.request('POST', '/api/ai/local', { token: admin, body: { prompt: 'What is analytics?', max_tokens: 30 } });
    expect(r.status).toBe(200);
    await expect.poll(async () => (await get('/api/ai/analytics/summary')).total_api_calls, { interval: 50, timeout: 10_000 }).toBe(1);
    const s = await get('/api/ai/analytics/summary');
    expect(s.total_tokens_used).toBe(r.body.input_tokens + r.body.output_tokens);
    expect((await get('/api/ai/analytics/providers')).local.total_calls).toBe(1);
  });

  it('pushes analyticsUpdated over graphql-ws when calls are recorded', async () => {
    const client = wsClient(t.url, admin);
    const seen: number[] = [];
    let failure: unknown;
    const stop = client.subscribe<{ analyticsUpdated: { summary: { totalApiCalls: number }; providers: { provider: string }[] } }>(
      { query: 'subscription { analyticsUpdated { summary { totalApiCalls } providers { provider totalCalls } timestamp } }' },
      {
        next: (r) => {
          if (r.errors) failure = r.errors;
          if (r.data) seen.push(r.data.analyticsUpdated.summary.totalApiCalls);
        },
        error: (e) => (failure = e),
        complete: () => {},
      },
    );
    try {
      await expect.poll(() => seen.length, { interval: 20, timeout: 10_000 }).toBeGreaterThan(0); // the current figures first
      expect(failure).toBeUndefined();
      const before = seen.at(-1)!;
      const r = await t.request('POST', '/api/ai/local', { token: admin, body: { prompt: 'Live update, please', max_tokens: 20 } });
      expect(r.status).toBe(200);
      await expect.poll(() => seen.at(-1), { interval: 20, timeout: 10_000 }).toBe(before + 1);
    } finally {
      stop();
      await client.dispose();
    }
  });

  it('exposes Prometheus metrics at /metrics without a token', async () => {
    const prompt = { prompt: 'Count me in the metrics', max_tokens: 20 };
    await t.request('POST', '/api/ai/local', { token: admin, body: prompt });
    await t.request('POST', '/api/ai/local', { token: admin, body: prompt }); // a cache hit
    const r = await t.request('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = r.body as string;
    expect(text).toMatch(/aigw_http_requests_total\{method="POST",route="\/api\/ai\/:provider",status="200"\} \d+/);
    expect(text).toMatch(/aigw_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/ai\/analytics\/summary",status="200"\}/);
    expect(text).toMatch(/aigw_cache_hits_total\{provider="local"\} [1-9]/);
    expect(text).toMatch(/aigw_cache_misses_total\{provider="local"\} [1-9]/);
    expect(text).toMatch(/aigw_tokens_total\{provider="local",kind="output"\} [1-9]/);
    expect(text).toContain('aigw_cost_usd_total');
    for (const reason of ['queue_full', 'spill_full', 'spill_error']) expect(text).toContain(`aigw_analytics_dropped_total{reason="${reason}"} 0`);
    expect(text).toContain('aigw_process_cpu_seconds_total');
  });
});
