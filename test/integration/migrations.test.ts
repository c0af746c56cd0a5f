// Builds a database from prisma/migrations alone and exercises every model
// through the generated client, on both backends: schema.prisma and the SQL
// migrations cannot drift apart unnoticed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { applyMigrations, readMigrations } from '../../src/db/migrate.js';
import { openTestDatabase } from '../helpers/pg.js';

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
    // Deleting a user cascades to its keys and detaches its calls.
    await p.user.delete({ where: { id: user.id } });
    expect(await p.apiKey.count()).toBe(0);
    expect(await p.apiCall.count({ where: { userId: null } })).toBe(2);
  });
});
