// The recorder's batch writer on both backends: every column lands as given,
// and writing the same batch again (a retry after a lost answer) is harmless.
import { afterAll, describe, expect, it } from 'vitest';
import { insertCalls } from '../../src/analytics/insert-calls.js';
import type { StoredCall } from '../../src/analytics/recorder.js';
import type { Database } from '../../src/db/database.js';
import { openTestDatabase } from '../helpers/pg.js';

describe.each(['postgresql', 'pglite'] as const)('insertCalls on %s', (backend) => {
  let db: Database;
  let dispose: (() => Promise<void>) | undefined;
  afterAll(() => dispose?.());

  it('stores every field and ignores a batch written twice', async () => {
    ({ db, dispose } = await openTestDatabase(backend));
    const user = await db.prisma.user.create({ data: { username: 'writer', passwordHash: 'x' } });
    const rows: StoredCall[] = [
      {
        id: crypto.randomUUID(), createdAt: new Date('2026-11-20T10:11:12.345Z'), userId: user.id, provider: 'openai', model: 'gpt-4o',
        source: 'stream', inputTokens: 12, outputTokens: 34, costUsd: 0.000123, listCostUsd: 0.000456, costEstimated: true, latencyMs: 78,
        cached: true, optimized: true, tokensSaved: 5, streamed: true, status: 'error', errorCode: 'CLIENT_DISCONNECTED',
        apiKeyId: '0b7c1a7e-1d2e-4f3a-9b8c-7d6e5f4a3b2c', teamId: '1c8d2b8f-2e3f-4a4b-8c9d-8e7f6a5b4c3d',
        cachedInputTokens: 6, cacheWriteTokens: 4, reasoningTokens: 20, toolCalls: 2,
      },
      {
        id: crypto.randomUUID(), createdAt: new Date('2026-11-21T00:00:00.000Z'), userId: null, provider: 'local', model: 'local-sim',
        source: 'rest', inputTokens: 0, outputTokens: 0, costUsd: null, listCostUsd: null, costEstimated: false, latencyMs: 0,
        cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'success', errorCode: null, apiKeyId: null, teamId: null,
        cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, toolCalls: 0,
      },
    ];
    rows.push({
      id: crypto.randomUUID(), createdAt: new Date('2026-11-22T00:00:00.000Z'), userId: null, provider: 'ollama', model: 'a "quoted", odd\nmodel,',
      source: '', inputTokens: 1, outputTokens: 2, costUsd: 0, listCostUsd: 1e-9, costEstimated: false, latencyMs: 3,
      cached: false, optimized: false, tokensSaved: 0, streamed: false, status: 'error', errorCode: '', apiKeyId: null, teamId: null,
      cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, toolCalls: 0,
    });
    // The embedded database takes batches through COPY (the JSON statement when that fails).
    let copies = 0;
    const sql = db.sql.copyCsv ? { ...db.sql, copyCsv: (...a: Parameters<NonNullable<typeof db.sql.copyCsv>>) => (copies++, db.sql.copyCsv!(...a)) } : db.sql;
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (msg: string) => void warnings.push(msg) };
    const write = insertCalls(db.prisma, sql, logger);
    await write(rows);
    await write(rows); // COPY fails on the duplicate ids; the JSON statement skips them
    expect(warnings).toEqual([]); // an expected failure: no log line
    const stored = await db.prisma.apiCall.findMany({ orderBy: { createdAt: 'asc' } });
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(rows.map((r) => ({ ...r })));
    expect(copies).toBe(backend === 'pglite' ? 2 : 0);
    // The key's and team's spend rollups, once per call (not again for the repeated batch).
    const spend = await db.prisma.apiCallSpendDaily.findMany({ orderBy: { scope: 'asc' } });
    expect(spend.map((s) => [s.scope, s.scopeId, s.calls, s.costUsd])).toEqual([
      ['key', rows[0]!.apiKeyId, 1n, 0.000123], ['team', rows[0]!.teamId, 1n, 0.000123],
    ]);

    // And a fresh batch after that goes in whole.
    const more = rows.map((r) => ({ ...r, id: crypto.randomUUID() }));
    await write(more);
    expect(await db.prisma.apiCall.count()).toBe(6);
  });

  it('says when COPY fails for another reason, once a minute, and still stores the batch', async () => {
    if (!db.sql.copyCsv) return; // PostgreSQL takes the JSON statement directly
    const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push({ msg, fields }) };
    // COPY into a column list the table does not have: the database refuses it.
    const broken = { ...db.sql, copyCsv: (_t: string, columns: string[], csv: string) => db.sql.copyCsv!('api_calls', [...columns.slice(0, -1), 'no_such_column'], csv) };
    const write = insertCalls(db.prisma, broken, logger);
    const before = await db.prisma.apiCall.count();
    const batch = (): StoredCall[] => [{
      id: crypto.randomUUID(), createdAt: new Date(), userId: null, provider: 'openai', model: 'gpt-4o-mini', source: 'rest', inputTokens: 1,
      outputTokens: 1, costUsd: 0, listCostUsd: 0, costEstimated: false, latencyMs: 1, cached: false, optimized: false, tokensSaved: 0,
      streamed: false, status: 'success', errorCode: null,
    }];
    await write(batch());
    await write(batch());
    expect(await db.prisma.apiCall.count()).toBe(before + 2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/COPY failed/);
    expect(String(warnings[0]!.fields?.error)).toMatch(/no_such_column/);
  });
  it('writes the rest of a batch the database refuses some rows of, and sets those aside with their errors', async () => {
    const gone = await db.prisma.user.create({ data: { username: `gone-${backend}`, passwordHash: 'x' } });
    await db.prisma.user.delete({ where: { id: gone.id } });
    const row = (n: number, extra: Partial<StoredCall> = {}): StoredCall => ({
      id: crypto.randomUUID(), createdAt: new Date('2026-11-23T08:00:00.000Z'), userId: null, provider: 'openai', model: 'gpt-4o', source: 'rest',
      inputTokens: n, outputTokens: 1, costUsd: 0.5, listCostUsd: 0.5, costEstimated: false, latencyMs: 10, cached: false, optimized: false,
      tokensSaved: 0, streamed: false, status: 'success', errorCode: null, ...extra,
    });
    // Straight to the writer (the recorder would have cleaned the NUL): the database's own refusal is what is tested.
    const batch = Array.from({ length: 20 }, (_, i) => row(i));
    batch[3] = row(3, { userId: gone.id }); // a user deleted while the call was in flight
    batch[11] = row(11, { model: 'gpt-4o\u0000evil' });
    batch[17] = row(17, { userId: gone.id });
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (msg: string) => void warnings.push(msg) };
    const write = insertCalls(db.prisma, db.sql, logger);
    const before = await db.prisma.apiCall.count();
    const result = await write(batch);
    const refused = [3, 11, 17].map((i) => batch[i]!.id);
    expect(result?.rejected.map((r) => [r.call.id, r.code, r.deadLettered])).toEqual([
      [refused[0], '23503', true],
      // JSON's \u0000 is refused when the text is read (22P05)
      [refused[1], '22P05', true],
      [refused[2], '23503', true],
    ]);
    expect(await db.prisma.apiCall.count()).toBe(before + 17);
    expect(await db.prisma.apiCall.count({ where: { id: { in: refused } } })).toBe(0);
    const letters = await db.prisma.apiCallDeadLetter.findMany({ orderBy: { errorCode: 'asc' } });
    expect(letters.map((l) => [l.id, l.errorCode])).toEqual(expect.arrayContaining([[refused[0], '23503'], [refused[1], '22P05'], [refused[2], '23503']]));
    const nul = letters.find((l) => l.id === refused[1])!;
    expect(nul.error).toMatch(/unicode|escape/i);
    expect(JSON.parse(nul.record)).toMatchObject({ id: refused[1], model: 'gpt-4o\u0000evil', inputTokens: 11 }); // kept exactly as it was
    expect(letters.find((l) => l.id === refused[0])!.error).toMatch(/foreign key/);
    expect(warnings).toEqual(['usage rows refused by the database; stored in api_call_dead_letters']);
    // The rollups count exactly what was stored.
    const [daily] = await db.sql.query<{ calls: number; input: number }>(
      `SELECT sum(calls)::int AS calls, sum(input_tokens)::int AS input FROM api_call_daily WHERE day = '2026-11-23'`,
    );
    expect(daily).toEqual({ calls: 17, input: 190 - 3 - 11 - 17 });

    // The same batch again (a retry after a lost answer): nothing is stored twice, anywhere.
    const again = await write(batch);
    expect(again?.rejected).toHaveLength(3);
    expect(await db.prisma.apiCall.count()).toBe(before + 17);
    expect(await db.prisma.apiCallDeadLetter.count({ where: { id: { in: refused } } })).toBe(3);
    expect((await db.sql.query<{ calls: number }>(`SELECT sum(calls)::int AS calls FROM api_call_daily WHERE day = '2026-11-23'`))[0]!.calls).toBe(17);
  });

  it('throws (for the recorder to retry) when the database is unavailable, not a data error', async () => {
    const { isDataError, sqlState } = await import('../../src/analytics/insert-calls.js');
    expect(isDataError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDataError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(false);
    expect(isDataError(Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000' }))).toBe(false);
    expect(sqlState({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '23503' } } } })).toBe('23503');
    expect(isDataError({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '22P05' } } } })).toBe(true);
  });
});
