// The daily rollups agree with the raw calls on both backends: after random batches
// (through the recorder's writer, COPY on the embedded database), retried batches,
// rows set aside as dead letters, a user deleted, and retention deleting old raw rows
// (which leaves the rollups of those days as they were).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCalls } from '../../src/analytics/insert-calls.js';
import { AnalyticsQueries, histogramPercentiles } from '../../src/analytics/queries.js';
import type { StoredCall } from '../../src/analytics/recorder.js';
import { RawCallRetention } from '../../src/analytics/retention.js';
import type { Database } from '../../src/db/database.js';
import { loadPriceTable, Pricing } from '../../src/pricing/pricing.js';
import { openTestDatabase } from '../helpers/pg.js';

const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const MEASURES = `sum(calls)::float8 AS calls, sum(optimized_calls)::float8 AS optimized, sum(streamed_calls)::float8 AS streamed,
  sum(unknown_cost_calls)::float8 AS unknown_cost, sum(input_tokens)::float8 AS input, sum(output_tokens)::float8 AS output,
  sum(tokens_saved)::float8 AS saved, round(sum(cost_usd)::numeric, 9)::float8 AS cost, round(sum(list_cost_usd)::numeric, 9)::float8 AS list,
  sum(latency_ms)::float8 AS latency`;
const RAW_MEASURES = `count(*)::float8 AS calls, (count(*) FILTER (WHERE optimized))::float8 AS optimized, (count(*) FILTER (WHERE streamed))::float8 AS streamed,
  (count(*) FILTER (WHERE cost_usd IS NULL))::float8 AS unknown_cost, sum(input_tokens)::float8 AS input, sum(output_tokens)::float8 AS output,
  sum(tokens_saved)::float8 AS saved, round(coalesce(sum(cost_usd), 0)::numeric, 9)::float8 AS cost,
  round(coalesce(sum(list_cost_usd), 0)::numeric, 9)::float8 AS list, sum(latency_ms)::float8 AS latency`;
const DAY_OF = `to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')`;

describe.each(['postgresql', 'pglite'] as const)('daily rollups on %s', (backend) => {
  let db: Database;
  let dispose: (() => Promise<void>) | undefined;
  let users: string[];
  const random = prng(backend === 'postgresql' ? 19 : 25);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(backend));
    users = [];
    for (const name of ['ana', 'ben', 'cy']) users.push((await db.prisma.user.create({ data: { username: name, passwordHash: 'x' } })).id);
  });
  afterAll(() => dispose?.());

  /** Every rollup table against the same grouping of the raw rows from `since` (a UTC day) on. */
  async function expectAgreement(since = '1970-01-01') {
    const q = <T>(sql: string) => db.sql.query<T>(sql, [since]);
    const from = `created_at >= $1::date`;
    const pairs: [string, string][] = [
      [
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, provider, model, source, cached, status, ${MEASURES} FROM api_call_daily WHERE day >= $1::date GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
        `SELECT ${DAY_OF} AS day, provider, model, source, cached, status, ${RAW_MEASURES} FROM api_calls WHERE ${from} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
      ],
      [
        `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, provider, model, source, cached, status, ${MEASURES} FROM api_call_user_daily WHERE day >= $1::date GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
        `SELECT user_id, ${DAY_OF} AS day, provider, model, source, cached, status, ${RAW_MEASURES} FROM api_calls WHERE ${from} AND user_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
      ],
      [
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, provider, bucket, calls::float8 AS calls FROM api_call_latency_daily WHERE day >= $1::date ORDER BY 1, 2, 3`,
        `SELECT ${DAY_OF} AS day, provider, api_call_latency_bucket(latency_ms) AS bucket, count(*)::float8 AS calls FROM api_calls WHERE ${from} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ],
      [
        `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, provider, bucket, calls::float8 AS calls FROM api_call_user_latency_daily WHERE day >= $1::date ORDER BY 1, 2, 3, 4`,
        `SELECT user_id, ${DAY_OF} AS day, provider, api_call_latency_bucket(latency_ms) AS bucket, count(*)::float8 AS calls FROM api_calls WHERE ${from} AND user_id IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      ],
    ];
    for (const [rollup, raw] of pairs) expect(await q(rollup)).toEqual(await q(raw));
  }

  const rollupSnapshot = () =>
    Promise.all(
      [
        ['api_call_daily', 6],
        ['api_call_user_daily', 7],
        ['api_call_latency_daily', 3],
        ['api_call_user_latency_daily', 4],
      ].map(([table, keys]) => db.sql.query(`SELECT * FROM ${table} ORDER BY ${Array.from({ length: keys as number }, (_, i) => i + 1).join(', ')}`)),
    );

  function randomCall(now: number, daysBack: number, extra: Partial<StoredCall> = {}): StoredCall {
    const provider = pick(['openai', 'anthropic', 'gemini', 'local'] as const);
    const cached = random() < 0.3;
    const failed = random() < 0.1;
    const cost = random() < 0.05 ? null : failed || cached ? 0 : Math.round(random() * 1e6) / 1e9;
    return {
      id: crypto.randomUUID(),
      createdAt: new Date(now - Math.floor(random() * daysBack * DAY)),
      userId: random() < 0.3 ? null : pick(users),
      provider,
      model: pick({ openai: ['gpt-4o', 'gpt-4o-mini'], anthropic: ['claude-3-haiku'], gemini: ['gemini-2.0-flash'], local: ['local-sim'] }[provider]),
      source: pick(['rest', 'graphql', 'stream', 'batch']),
      inputTokens: Math.floor(random() * 2000),
      outputTokens: Math.floor(random() * 800),
      costUsd: cost,
      listCostUsd: cost === null ? null : cached ? Math.round(random() * 1e6) / 1e9 : cost,
      costEstimated: random() < 0.2,
      latencyMs: cached ? Math.floor(random() * 8) : Math.floor(random() * random() * 20_000),
      cached,
      optimized: random() < 0.3,
      tokensSaved: random() < 0.3 ? Math.floor(random() * 100) : 0,
      streamed: random() < 0.25,
      status: failed ? 'error' : 'success',
      errorCode: failed ? 'PROVIDER_ERROR' : null,
      ...extra,
    };
  }

  it('agree after random batches, retried batches and dead letters', async () => {
    const gone = (await db.prisma.user.create({ data: { username: 'gone', passwordHash: 'x' } })).id;
    await db.prisma.user.delete({ where: { id: gone } });
    const write = insertCalls(db.prisma, db.sql);
    const now = Date.now();
    let refused = 0;
    let written = 0;
    for (let b = 0; b < 30; b++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 80) }, () => randomCall(now, 60));
      if (random() < 0.2) batch[Math.floor(random() * batch.length)] = randomCall(now, 60, { userId: gone });
      if (random() < 0.1) batch[Math.floor(random() * batch.length)] = randomCall(now, 60, { model: 'bad\u0000name' });
      const result = await write(batch);
      refused += result?.rejected.length ?? 0;
      written += batch.length - (result?.rejected.length ?? 0);
      // A retry of the whole batch, or of part of it: nothing is counted twice.
      if (random() < 0.3) await write(batch);
      if (random() < 0.3) await write(batch.slice(Math.floor(batch.length / 2)));
    }
    expect(await db.prisma.apiCall.count()).toBe(written);
    expect(await db.prisma.apiCallDeadLetter.count()).toBe(refused);
    await expectAgreement();

    // The figures the endpoints give, from the rollups, against the raw rows.
    const queries = new AnalyticsQueries(db.prisma, new Pricing(loadPriceTable()));
    const [raw] = await db.sql.query<{ n: number; tokens: number; cost: number }>(
      `SELECT count(*)::int AS n, coalesce(sum(input_tokens + output_tokens) FILTER (WHERE NOT cached), 0)::float8 AS tokens, coalesce(sum(cost_usd), 0)::float8 AS cost FROM api_calls`,
    );
    const summary = await queries.summary();
    expect(summary.totalApiCalls).toBe(raw!.n);
    expect(summary.totalTokensUsed).toBe(raw!.tokens);
    expect(summary.totalCostUsd).toBeCloseTo(raw!.cost, 8);
    expect((await queries.summary({ userId: users[0]!, days: 7 })).totalApiCalls).toBe(
      (await db.prisma.apiCall.count({ where: { userId: users[0]!, createdAt: { gte: new Date(Math.floor(now / DAY) * DAY - 6 * DAY) } } })),
    );

    // Percentiles from the histogram are within 1/64 of percentile_cont over the raw rows.
    const [exact] = await db.sql.query<{ p: number[] }>(`SELECT percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY latency_ms) AS p FROM api_calls`);
    const histogram = await db.sql.query<{ bucket: number; calls: number }>(`SELECT bucket, sum(calls)::float8 AS calls FROM api_call_latency_daily GROUP BY 1 ORDER BY 1`);
    const approx = histogramPercentiles(histogram, [0.5, 0.95]);
    for (const [i, e] of exact!.p.entries()) expect(Math.abs(approx[i]! - e)).toBeLessThanOrEqual(e / 64 + 0.5);
  });

  it('agree after a user is deleted (their calls stop naming them)', async () => {
    await db.prisma.user.delete({ where: { id: users[2]! } });
    expect(await db.sql.query(`SELECT 1 FROM api_call_user_daily WHERE user_id = $1`, [users[2]])).toEqual([]);
    await expectAgreement();
  });

  it('keep the rollups of days whose raw rows retention deleted, and agree on the days still raw', async () => {
    const before = await rollupSnapshot();
    const retention = new RawCallRetention(db.prisma, { days: 30, chunk: 50 }, { debug() {}, info() {}, warn() {}, error() {} });
    const cutoff = retention.cutoff();
    const old = await db.prisma.apiCall.count({ where: { createdAt: { lt: cutoff } } });
    const kept = await db.prisma.apiCall.count({ where: { createdAt: { gte: cutoff } } });
    expect(old).toBeGreaterThan(50); // several chunks
    expect((await retention.runOnce()).calls).toBe(old);
    expect(await db.prisma.apiCall.count()).toBe(kept);
    expect(await rollupSnapshot()).toEqual(before);
    await expectAgreement(cutoff.toISOString().slice(0, 10));
    // Exact percentiles only where every call is still raw: this window is not, so the histogram answers.
    const queries = new AnalyticsQueries(db.prisma, new Pricing(loadPriceTable()));
    expect((await queries.summary()).totalApiCalls).toBe((before[0] as { calls: bigint | number }[]).reduce((a, r) => a + Number(r.calls), 0));

    // New calls after retention add to the rollups as before.
    const write = insertCalls(db.prisma, db.sql);
    await write(Array.from({ length: 40 }, () => randomCall(Date.now(), 10, { userId: pick([null, users[0]!, users[1]!]) })));
    await expectAgreement(cutoff.toISOString().slice(0, 10));
    await retention.close();
  });

  it('reset clears raw rows and rollups alike', async () => {
    const queries = new AnalyticsQueries(db.prisma, new Pricing(loadPriceTable()));
    const raw = await db.prisma.apiCall.count();
    expect(await queries.reset()).toBe(raw);
    expect((await queries.summary()).totalApiCalls).toBe(0);
    expect(await rollupSnapshot()).toEqual([[], [], [], []]);
  });
});
