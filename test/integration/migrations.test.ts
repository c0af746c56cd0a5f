// Builds a database from prisma/migrations alone and exercises every model
// through the generated client, on both backends: schema.prisma and the SQL
// migrations cannot drift apart unnoticed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { applyMigrations, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, openTestDatabase } from '../helpers/pg.js';

const backends = ['postgresql', 'pglite'] as const;

describe.each(backends)('migrations on %s', (backend) => {
  let db: Database;
  let dispose: (() => Promise<void>) | undefined;
  afterAll(() => dispose?.());

  it('applies every migration and records it as Prisma does', async () => {
    ({ db, dispose } = await openTestDatabase(backend));
    const migrations = readMigrations();
    expect(db.migrations.applied).toEqual(migrations.map((m) => m.name));
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null }>(
      'SELECT * FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [i, r] of rows.entries()) {
      const sql = readFileSync(`prisma/migrations/${migrations[i]!.name}/migration.sql`);
      expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(r.finished_at).not.toBeNull();
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    // Applying again is a no-op.
    const again = await applyMigrations(db.sql);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toHaveLength(migrations.length);
  });

  it('refuses a migration edited after it was applied', async () => {
    const edited = readMigrations().map((m) => ({ ...m, checksum: 'f'.repeat(64) }));
    await expect(applyMigrations(db.sql, edited)).rejects.toThrow(/modified after it was applied/);
  });

  it('serves every model through the generated client', async () => {
    const p = db.prisma;
    const user = await p.user.create({ data: { username: `u-${backend}`, passwordHash: 'hash', role: 'admin' } });
    const key = await p.apiKey.create({ data: { name: 'svc', prefix: 'aigw_abc', keyHash: `h-${backend}`, userId: user.id } });
    await p.apiCall.createMany({
      data: [
        { id: crypto.randomUUID(), userId: user.id, provider: 'openai', model: 'gpt-4o', source: 'rest', inputTokens: 10, outputTokens: 5, costUsd: 0.0001, listCostUsd: 0.0001, latencyMs: 12, status: 'success' },
        { id: crypto.randomUUID(), provider: 'gemini', model: 'gemini-2.0-flash', source: 'graphql', cached: true, costUsd: null, status: 'error', errorCode: 'PROVIDER_ERROR', streamed: true, optimized: true, tokensSaved: 3 },
      ],
    });
    const alert = await p.budgetAlert.create({ data: { day: new Date('2026-11-27'), budgetUsd: 10, costUsd: 12.5, email: 'a@example.com' } });

    const loaded = await p.user.findUniqueOrThrow({ where: { id: user.id }, include: { apiKeys: true, calls: true } });
    expect(loaded.apiKeys.map((k) => k.id)).toEqual([key.id]);
    expect(loaded.calls).toHaveLength(1);
    expect(loaded.calls[0]).toMatchObject({ provider: 'openai', inputTokens: 10, outputTokens: 5, costUsd: 0.0001, cached: false });
    const byProvider = await p.apiCall.groupBy({ by: ['provider'], _count: { _all: true }, orderBy: { provider: 'asc' } });
    expect(byProvider.map((g) => [g.provider, g._count._all])).toEqual([['gemini', 1], ['openai', 1]]);
    const orphan = await p.apiCall.findFirstOrThrow({ where: { provider: 'gemini' } });
    expect(orphan).toMatchObject({ userId: null, costUsd: null, errorCode: 'PROVIDER_ERROR', streamed: true, tokensSaved: 3 });
    expect((await p.budgetAlert.findUniqueOrThrow({ where: { day: new Date('2026-11-27') } })).id).toBe(alert.id);
    await expect(p.user.create({ data: { username: `u-${backend}`, passwordHash: 'x' } })).rejects.toMatchObject({ code: 'P2002' });
    expect(user).toMatchObject({ disabledAt: null, sessionVersion: 0 });
    const disabled = await p.user.update({ where: { id: user.id }, data: { disabledAt: new Date(), sessionVersion: { increment: 1 } } });
    expect(disabled.sessionVersion).toBe(1);
    await p.gatewaySetting.create({ data: { key: 'k', value: 'v' } });
    expect((await p.gatewaySetting.findUniqueOrThrow({ where: { key: 'k' } })).value).toBe('v');
    // Every insert into api_calls is rolled up by day in the same statement (the trigger).
    const now = new Date();
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    expect(await p.apiCallDaily.findMany({ orderBy: { provider: 'asc' }, select: { day: true, provider: true, calls: true, inputTokens: true, cached: true, status: true } })).toEqual([
      { day: day, provider: 'gemini', calls: 1n, inputTokens: 0n, cached: true, status: 'error' },
      { day: day, provider: 'openai', calls: 1n, inputTokens: 10n, cached: false, status: 'success' },
    ]);
    expect(await p.apiCallUserDaily.findMany({ select: { userId: true, provider: true, calls: true } })).toEqual([{ userId: user.id, provider: 'openai', calls: 1n }]);
    expect(await p.apiCallLatencyDaily.count()).toBe(2);
    expect(await p.apiCallUserLatencyDaily.findMany({ select: { bucket: true, calls: true } })).toEqual([{ bucket: 12, calls: 1n }]);
    const letter = await p.apiCallDeadLetter.create({ data: { id: crypto.randomUUID(), createdAt: new Date(), errorCode: '23503', error: 'fk', record: '{}' } });
    expect((await p.apiCallDeadLetter.findUniqueOrThrow({ where: { id: letter.id } })).failedAt).toBeInstanceOf(Date);

    // Deleting a user cascades to its keys and per-user rollups, and detaches its calls.
    await p.user.delete({ where: { id: user.id } });
    expect(await p.apiKey.count()).toBe(0);
    expect(await p.apiCall.count({ where: { userId: null } })).toBe(2);
    expect(await p.apiCallUserDaily.count()).toBe(0);
    expect(await p.apiCallUserLatencyDaily.count()).toBe(0);
    expect(await p.apiCallDaily.count()).toBe(2);
  });
  it('rolls up the calls recorded before the rollups existed', async () => {
    const scratch = backend === 'postgresql' ? await createTestDatabase() : null;
    const fresh = await openDatabase({ databaseUrl: scratch?.url, dataDir: 'memory://', migrate: false });
    try {
      const all = readMigrations();
      await applyMigrations(fresh.sql, all.filter((m) => m.name < '20261206210000'));
      await fresh.sql.query(`
        INSERT INTO api_calls (id, created_at, provider, model, source, input_tokens, cost_usd, latency_ms, status)
        VALUES (gen_random_uuid(), '2026-11-01T10:00:00Z', 'openai', 'gpt-4o', 'rest', 10, 0.5, 100, 'success'),
               (gen_random_uuid(), '2026-11-01T23:59:59Z', 'openai', 'gpt-4o', 'rest', 20, NULL, 3000, 'success'),
               (gen_random_uuid(), '2026-11-02T00:00:00Z', 'openai', 'gpt-4o', 'rest', 40, 0.25, 5, 'success')`);
      expect((await applyMigrations(fresh.sql, all)).applied).toEqual(all.filter((m) => m.name >= '20261206210000').map((m) => m.name));
      expect(await fresh.sql.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, calls::int, input_tokens::int, cost_usd, unknown_cost_calls::int FROM api_call_daily ORDER BY day`)).toEqual([
        { day: '2026-11-01', calls: 2, input_tokens: 30, cost_usd: 0.5, unknown_cost_calls: 1 },
        { day: '2026-11-02', calls: 1, input_tokens: 40, cost_usd: 0.25, unknown_cost_calls: 0 },
      ]);
      expect(await fresh.sql.query(`SELECT bucket, calls::int FROM api_call_latency_daily ORDER BY day, bucket`)).toEqual([
        { bucket: 82, calls: 1 }, // 100 ms: 64 + 18
        { bucket: 238, calls: 1 }, // 3000 ms: (12 bits - 6) * 32 + (3000 >> 6)
        { bucket: 5, calls: 1 },
      ]);
    } finally {
      await fresh.close();
      await scratch?.drop();
    }
  });
});
