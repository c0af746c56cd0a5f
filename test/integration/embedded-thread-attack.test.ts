// The embedded database on its own thread (src/db/pglite-thread.ts, pglite-worker.ts), attacked
// through its public surface: Prisma over the thread's driver adapter must behave as Prisma over
// pglite-prisma-adapter in this thread (same results, same errors, same transactions); a dead
// thread, a transaction it left open and a close with calls in flight must end in the database
// being unavailable (503), never in a hang, a 500 or a second dead thread.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../../src/db/data-dir-lock.js';
import { openDatabase, PGLITE_OPTIONS, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { pgliteRunner } from '../../src/db/sql-runner.js';
import { isDatabaseUnavailable, toGatewayError } from '../../src/errors.js';
import { Prisma, PrismaClient } from '../../src/generated/prisma/client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** What a caller learns from a failure: Prisma's code and meta, or the message. */
const outcome = async (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (e: { code?: string; meta?: unknown; message?: string }) => ({ code: e.code, meta: e.meta, unavailable: isDatabaseUnavailable(e) }),
  );

/** How a call ended, handled at once (so that a failure is never an unhandled rejection). */
const settled = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ failed: false, error: value as unknown }),
    (error: unknown) => ({ failed: true, error }),
  );

/** The call failed as the database being unavailable: a 503 DEPENDENCY_UNAVAILABLE for the caller. */
function expectUnavailableOutcome({ failed, error }: { failed: boolean; error: unknown }) {
  expect(failed, 'the call should fail').toBe(true);
  expect(isDatabaseUnavailable(error), String((error as Error).message)).toBe(true);
  expect(toGatewayError(error)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', status: 503 });
}

const expectUnavailable = async (p: Promise<unknown>) => expectUnavailableOutcome(await settled(p));

/** A promise and its resolver: a transaction held open until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const RAW = { sql: 'SELECT 1 AS one', args: [], argTypes: [] };

describe('the embedded database thread, attacked', () => {
  const dirs: string[] = [];
  const dbs: Database[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  let thread: Database;
  let pglite: PGlite;
  let local: PrismaClient;

  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'aigw-attack-'));
    dirs.push(d);
    return d;
  };
  const open = async (dataDir: string, warnings: string[] = []) => {
    const db = await openDatabase({ dataDir, warn: (m, f) => warnings.push(f?.error ? `${m}: ${String(f.error)}` : m) });
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    thread = await open('memory://');
    // The same schema in this thread, through pglite-prisma-adapter itself: the reference.
    pglite = await PGlite.create(PGLITE_OPTIONS);
    await applyMigrations(pgliteRunner(pglite));
    local = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await local?.$disconnect();
    await pglite?.close();
    for (const db of dbs) await db.close().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    expect(unhandled).toEqual([]);
  });

  const both = () =>
    [
      ['thread', thread.prisma],
      ['in-process', local],
    ] as const;

  it('raw queries: every parameter type Prisma sends and every result type come back as with the in-process adapter', async () => {
    const bytes = Buffer.from([0, 1, 127, 128, 255]);
    const when = new Date('2026-01-02T03:04:05.678Z');
    const queries = (p: PrismaClient) => [
      p.$queryRaw`SELECT ${12345678901234567890n}::numeric AS big_numeric, ${-(2n ** 62n)}::int8 AS big_int8, ${5n}::int4 AS small`,
      p.$queryRaw`SELECT ${new Prisma.Decimal('12345678901234567890.123456789')}::numeric AS d, ${new Prisma.Decimal('-0.5')}::numeric AS neg`,
      p.$queryRaw`SELECT ${when}::timestamptz AS ts, ${when}::timestamp AS ts_plain, ${when}::date AS d`,
      p.$queryRaw`SELECT ${bytes}::bytea AS b, length(${bytes}::bytea) AS n, ${new Uint8Array([9, 8, 7])}::bytea AS u8`,
      p.$queryRaw`SELECT ${{ a: 1, b: [2, 'x'], c: null, d: { e: true } }}::jsonb AS jb, ${JSON.stringify({ q: '"é"' })}::json AS j`,
      p.$queryRaw`SELECT ${[1, 2, 3]}::int[] AS ints, ${['a', 'b,c', '"q"']}::text[] AS texts, ${[]}::text[] AS empty, ${[1.5, null]}::float8[] AS floats`,
      p.$queryRaw`SELECT ${null}::text AS t, ${null}::int8 AS i, ${null}::bytea AS b, ${true} AS yes, ${1.25} AS f, ${'é\u0000'.slice(0, 1)} AS s`,
      p.$queryRaw`SELECT 9007199254740993::int8 AS big, 1.10::numeric AS num, '2026-01-01 00:00:00+02'::timestamptz AS ts, '\\x00ff'::bytea AS b,
        '{"x":1}'::json AS j, '[1,{"y":2}]'::jsonb AS jb, ARRAY[1,2]::int8[] AS a8, ARRAY['2026-01-01'::date] AS dates, '12:34:56'::time AS t,
        'ab'::char(3) AS c, gen_random_uuid() IS NOT NULL AS u, 'NaN'::float8 AS nan, 'Infinity'::numeric AS inf, '$1.50'::money AS money`,
      p.$executeRaw`SELECT ${1}::int`,
    ];
    const [viaThread, viaLocal] = await Promise.all([Promise.allSettled(queries(thread.prisma)), Promise.allSettled(queries(local))]);
    expect(viaThread.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(viaThread).toEqual(viaLocal);
    // Bytes arrive as bytes, not as an object of indexes.
    const b = (viaThread[3] as PromiseFulfilledResult<{ b: Uint8Array }[]>).value[0]!.b;
    expect(b).toBeInstanceOf(Uint8Array);
    expect([...b]).toEqual([...bytes]);
  });

  it('model queries: BigInt, floats, dates and arrays round-trip as in-process', async () => {
    const run = async (p: PrismaClient, tag: string) => {
      const user = await p.user.create({ data: { username: `types-${tag}`, passwordHash: 'h' } });
      const key = await p.apiKey.create({
        data: { name: 'k', prefix: 'p', keyHash: `types-${tag}`, userId: user.id, allowedModels: ['a', 'b'], tags: [], maxBudgetUsdTotal: 0.1 + 0.2, expiresAt: new Date('2030-01-01T00:00:00.123Z') },
        select: { allowedModels: true, tags: true, maxBudgetUsdTotal: true, expiresAt: true, rpm: true },
      });
      const day = new Date('2026-03-04T00:00:00.000Z');
      await p.apiCallSpendDaily.create({ data: { scope: 'key', scopeId: user.id, day, calls: 2n ** 53n + 1n, costUsd: 1.5 } as never });
      const spend = await p.apiCallSpendDaily.findFirst({ where: { scopeId: user.id }, select: { calls: true, day: true } });
      return { key, spend };
    };
    const [a, b] = await Promise.all([run(thread.prisma, 'thread'), run(local, 'local')]);
    expect(a).toEqual(b);
    expect(a.spend?.calls).toBe(2n ** 53n + 1n);
  });

  it('errors keep their Prisma codes and targets: unique, foreign key, syntax, bad input', async () => {
    const run = async (p: PrismaClient, tag: string) => {
      await p.user.create({ data: { username: `dup-${tag}`, passwordHash: 'x' } });
      return Promise.all([
        outcome(p.user.create({ data: { username: `dup-${tag}`, passwordHash: 'x' } })),
        outcome(p.apiKey.create({ data: { name: 'k', prefix: 'p', keyHash: `fk-${tag}`, userId: '00000000-0000-0000-0000-000000000000' } })),
        outcome(p.$queryRawUnsafe('SELEC 1')),
        outcome(p.user.findUnique({ where: { id: 'not-a-uuid' } })),
        outcome(p.$executeRawUnsafe('SELECT 1; SELECT 2')),
        outcome(p.$queryRawUnsafe('SELECT 1/0')),
      ]);
    };
    const [a, b] = await Promise.all([run(thread.prisma, 'same'), run(local, 'same')]);
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({ code: 'P2002', unavailable: false, meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', constraint: { fields: ['username'] } } } } });
    expect(a[1]).toMatchObject({ code: 'P2003', unavailable: false });
    expect(a.every((r) => 'code' in r && r.code && !r.unavailable)).toBe(true);
  });

  it('interactive transactions: nested reads, rollback on throw, concurrent ones in turn, timeout and maxWait, as in-process', async () => {
    const run = async (p: PrismaClient, tag: string) => {
      const results: Record<string, unknown> = {};
      // Three at once on one connection: they take turns, none deadlocks, each sees its own writes.
      const mk = (u: string) =>
        p.$transaction(async (tx) => {
          await tx.user.create({ data: { username: `${tag}-${u}`, passwordHash: 'x' } });
          const mine = await tx.user.findUnique({ where: { username: `${tag}-${u}` }, select: { username: true } });
          const n = await tx.user.count({ where: { username: { startsWith: `${tag}-c` } } });
          await tx.user.update({ where: { username: `${tag}-${u}` }, data: { sessionVersion: n } });
          return { mine, n };
        });
      results.concurrent = await Promise.all([mk('c1'), mk('c2'), mk('c3')]);
      results.rollback = await outcome(
        p.$transaction(async (tx) => {
          await tx.user.create({ data: { username: `${tag}-rb`, passwordHash: 'x' } });
          throw new Error('boom');
        }),
      );
      results.rolledBack = await p.user.count({ where: { username: `${tag}-rb` } });
      // A transaction over its time: rolled back (the lock released, so a read outside it
      // completes), and its next statement fails with P2028.
      const held = gate();
      const timedOut = outcome(
        p.$transaction(
          async (tx) => {
            await tx.user.create({ data: { username: `${tag}-to`, passwordHash: 'x' } });
            await held.opened;
            return tx.user.count();
          },
          { timeout: 100 },
        ),
      );
      results.afterTimeout = await p.user.count({ where: { username: `${tag}-to` } });
      held.open();
      results.timedOut = ((await timedOut) as { code?: string }).code;
      // One waits too long for another to finish (maxWait): P2028, and the transaction it
      // started late is rolled back, not left holding the database.
      const long = gate();
      const entered = gate();
      const holder = p.$transaction(
        async (tx) => {
          await tx.user.count();
          entered.open();
          await long.opened;
          return 'held';
        },
        { timeout: 20_000 },
      );
      await entered.opened;
      results.maxWait = ((await outcome(p.$transaction(async (tx) => tx.user.count(), { maxWait: 50 }))) as { code?: string }).code;
      long.open();
      results.holder = await holder;
      results.after = await p.user.count({ where: { username: { startsWith: `${tag}-` } } });
      results.isolation = await Promise.all(
        (['ReadCommitted', 'RepeatableRead', 'Serializable'] as const).map((isolationLevel) => outcome(p.$transaction(async (tx) => tx.$queryRaw`SELECT current_setting('transaction_isolation') AS level`, { isolationLevel }))),
      );
      results.batch = await p.$transaction([p.user.count({ where: { username: { startsWith: `${tag}-` } } }), p.user.findMany({ where: { username: { startsWith: `${tag}-c` } }, orderBy: { username: 'asc' }, select: { username: true, sessionVersion: true } })]);
      return results;
    };
    const a = await run(thread.prisma, 'tx');
    const b = await run(local, 'tx');
    expect(a).toEqual(b);
    expect(a).toMatchObject({ rolledBack: 0, afterTimeout: 0, timedOut: 'P2028', maxWait: 'P2028', holder: 'held', after: 3 });
  });

  it('large payloads and many concurrent small calls: each answer to its caller', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024 - 3) + 'end';
    const user = await thread.prisma.user.create({ data: { username: 'big', passwordHash: big } });
    expect((await thread.prisma.user.findUnique({ where: { id: user.id } }))!.passwordHash).toBe(big);
    const [echo] = await thread.sql.query<{ n: number; s: string }>('SELECT length($1::text) AS n, right($1::text, 3) AS s', [big]);
    expect(echo).toEqual({ n: big.length, s: 'end' });

    const rows = (p: PrismaClient) => p.$queryRaw<unknown[]>`SELECT i, i::int8 * 1000000007 AS big, md5(i::text) AS h, now() - i * interval '1 second' > '2000-01-01' AS recent FROM generate_series(1, 10000) AS i ORDER BY i`;
    const [a, b] = await Promise.all([rows(thread.prisma), rows(local)]);
    expect(a).toHaveLength(10_000);
    expect(a).toEqual(b);

    const n = 600;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? thread.sql.query<{ v: number }>('SELECT $1::int AS v', [i]).then((r) => r[0]!.v) : thread.prisma.$queryRaw<{ v: number }[]>`SELECT ${i}::int AS v`.then((r) => r[0]!.v),
      ),
    );
    expect(answers).toEqual(Array.from({ length: n }, (_, i) => i));
    const created = await Promise.all(Array.from({ length: 200 }, (_, i) => thread.prisma.user.create({ data: { username: `many-${i}`, passwordHash: 'x' }, select: { id: true, username: true } })));
    expect(created.map((u) => u.username)).toEqual(Array.from({ length: 200 }, (_, i) => `many-${i}`));
    expect(new Set(created.map((u) => u.id)).size).toBe(200);
    expect(await thread.prisma.user.count({ where: { username: { startsWith: 'many-' } } })).toBe(200);
  });

  it('a query on a transaction that is not open is refused without ending the thread', async () => {
    const db = await open('memory://');
    const adapter = await db.thread!.adapter().connect();
    const tx = await adapter.startTransaction();
    await tx.commit();
    // In-process, pglite-prisma-adapter rejects such a query ("Transaction is closed").
    await expect(tx.queryRaw(RAW)).rejects.toThrow();
    await expect(tx.executeRaw(RAW)).rejects.toThrow();
    expect(await db.sql.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
  });

  it('a transaction open when the thread dies fails as unavailable, and does not kill the new thread', async () => {
    const warnings: string[] = [];
    const db = await open(folder(), warnings);
    const t = db.thread!;
    const inside = gate();
    const resume = gate();
    const tx = db.prisma.$transaction(
      async (p) => {
        await p.user.create({ data: { username: 'lost', passwordHash: 'x' } });
        inside.open();
        await resume.opened;
        return p.user.count();
      },
      { timeout: 60_000 },
    );
    await inside.opened;
    const restarted = once(t, 'restarted');
    await t.kill();
    await restarted;
    resume.open();
    await expectUnavailable(tx);
    // The new thread is still up: it answers, and it was started once.
    expect(await db.sql.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
    expect(await db.prisma.user.count({ where: { username: 'lost' } })).toBe(0);
    expect(t.restarts).toBe(1);
    expect(warnings.filter((w) => w.includes('stopped'))).toHaveLength(1);
  });

  /**
   * A folder database holding one user, whose thread is killed and whose folder `spoil` changes
   * before the restart; `mend` runs when the first attempt has failed. The database must come
   * back on the second attempt with its data.
   */
  const restartAfter = async (spoil: (pgdir: string) => void, mend: (pgdir: string) => void) => {
    const dir = folder();
    const pgdir = join(dir, 'pglite');
    const warnings: { message: string; error?: unknown }[] = [];
    const db = await openDatabase({
      dataDir: dir,
      warn: (message, fields) => {
        warnings.push({ message, error: fields?.error });
        if (message === 'the embedded database could not be started again') mend(pgdir);
      },
    });
    dbs.push(db);
    await db.prisma.user.create({ data: { username: 'kept', passwordHash: 'x' } });
    const t = db.thread!;
    const restarted = once(t, 'restarted');
    await t.kill();
    // Before the first attempt (a second later).
    spoil(pgdir);
    await restarted;
    expect(warnings.map((w) => w.message)).toEqual(['the embedded database stopped; starting it again', 'the embedded database could not be started again', 'the embedded database is back']);
    expect(await db.prisma.user.findMany({ select: { username: true } })).toEqual([{ username: 'kept' }]);
    return { t, warnings };
  };

  it('a restart that fails is tried again, and the database comes back with its data', async () => {
    const { t } = await restartAfter(
      // The folder is not a database any more: a file stands where it was.
      (pgdir) => {
        renameSync(pgdir, `${pgdir}-away`);
        writeFileSync(pgdir, 'not a database');
      },
      // The first attempt found the file: put the database back.
      (pgdir) => {
        rmSync(pgdir);
        renameSync(`${pgdir}-away`, pgdir);
      },
    );
    expect(t.restarts).toBe(1);
  });

  it('a folder deleted while the gateway runs is not restarted as an empty database; put back, it comes back with its data', async () => {
    let createdInItsPlace: boolean | undefined;
    const { warnings } = await restartAfter(
      (pgdir) => renameSync(pgdir, `${pgdir}-away`),
      // Was anything created where the database was? Then the operator puts it back.
      (pgdir) => {
        createdInItsPlace = existsSync(pgdir);
        renameSync(`${pgdir}-away`, pgdir);
      },
    );
    expect(String(warnings[1]!.error)).toContain('no longer an embedded database folder');
    expect(createdInItsPlace).toBe(false);
  });

  it('calls in flight when the thread dies fail as unavailable (503), Prisma and SQL alike', async () => {
    const warnings: string[] = [];
    const db = await open('memory://', warnings);
    const t = db.thread!;
    // A transaction holds the database: the calls below wait in the thread until it dies.
    const adapter = await t.adapter().connect();
    await adapter.startTransaction();
    const pending = [db.prisma.user.count(), db.sql.query('SELECT 1'), db.prisma.$queryRaw`SELECT 1`, db.prisma.$transaction(async (p) => p.user.count())];
    await t.kill();
    for (const p of pending) await expectUnavailable(p);
    // In memory the data died with its thread: it stays unavailable, and says so.
    expect(warnings).toEqual(['the in-memory embedded database stopped; it stays unavailable']);
    await expectUnavailable(db.prisma.user.findMany());
    await expectUnavailable(db.ping());
  });

  it('close() settles every call: those in flight, those made while it closes, and a second close', async () => {
    const warnings: string[] = [];
    const db = await open('memory://', warnings);
    const t = db.thread!;
    const adapter = await t.adapter().connect();
    // Held open: the thread cannot close the database cleanly, and this call waits behind it.
    await adapter.startTransaction();
    const stuck = settled(db.sql.query('SELECT 1'));
    const closing = t.close();
    const during = [db.sql.query('SELECT 2'), db.prisma.user.count()].map(settled);
    const raw = settled(adapter.queryRaw(RAW));
    await Promise.all([closing, t.close()]);
    expectUnavailableOutcome(await stuck);
    for (const p of during) expectUnavailableOutcome(await p);
    // Prisma's driver adapter itself: the driver error Prisma makes P1017 of.
    expect(await raw).toMatchObject({ failed: true, error: { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } } });
    await expectUnavailable(db.sql.query('SELECT 3'));
    expect(warnings, JSON.stringify(warnings)).toEqual(['the embedded database did not close cleanly: timed out']);
  });

  it('close() while a new thread is due: no thread comes back, the folder is free; the folder is refused while open', async () => {
    const dir = folder();
    const warnings: string[] = [];
    const db = await open(dir, warnings);
    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirInUseError);
    const t = db.thread!;
    let restarted = false;
    t.on('restarted', () => (restarted = true));
    await t.kill();
    await Promise.all([db.close(), db.close()]);
    await expectUnavailable(db.sql.query('SELECT 1'));
    const again = await open(dir);
    expect(await again.sql.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
    await again.close();
    expect(restarted).toBe(false);
    expect(warnings).toEqual(['the embedded database stopped; starting it again']);
  });

  describe('through the gateway', () => {
    let t: TestApp;
    afterAll(async () => {
      await t?.stop().catch(() => {});
    });

    it('a database call cut off by the thread dying answers 503 DEPENDENCY_UNAVAILABLE, and the gateway is back after the restart', async () => {
      t = await startTestApp({ backend: 'embedded', env: { DATA_DIR: folder() } });
      const token = await t.adminToken();
      const thread = t.app.services.db.thread!;
      const adapter = await thread.adapter().connect();
      const tx = await adapter.startTransaction();
      // The reads wait behind the transaction, in the thread, until it dies.
      const reads = [t.request('GET', '/api/ai/analytics/summary', { token }), t.gql('{ analyticsSummary(days: 30) { totalApiCalls } }', undefined, token)];
      const restarted = once(thread, 'restarted');
      await thread.kill();
      const [summary, gql] = await Promise.all(reads);
      expect(summary.status).toBe(503);
      expect(summary.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('DEPENDENCY_UNAVAILABLE');
      await restarted;
      await expect(tx.commit()).rejects.toThrow();
      expect((await t.request('GET', '/api/ai/analytics/summary', { token })).status).toBe(200);
    });
  });

  describe('built (npm start)', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

    it('the worker in dist/ imports only dependencies (not devDependencies, not tsx) and opens the database from there', async () => {
      const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, encoding: 'utf8' });
      expect(build.status, build.stderr).toBe(0);
      const deps = new Set(Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies));
      const builtins = new Set(builtinModules);
      // The worker's module graph within dist/, and every package it names.
      const seen = new Set<string>();
      const packages = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
          if (!spec) continue;
          if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
          else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      };
      visit(join(root, 'dist/db/pglite-worker.js'));
      expect(seen.size).toBeGreaterThan(1);
      expect([...packages]).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'pglite-prisma-adapter']));
      const outside = [...packages].filter((p) => !deps.has(p) && !builtins.has(p.replace(/^node:/, '')));
      expect(outside).toEqual([]);
      expect(packages.has('tsx')).toBe(false);
      // Loaded from dist/, the thread runs the JavaScript worker (no TypeScript loader).
      const built = (await import(pathToFileURL(join(root, 'dist/db/database.js')).href)) as typeof import('../../src/db/database.js');
      const db = await built.openDatabase({ dataDir: 'memory://' });
      dbs.push(db);
      expect(await db.sql.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
      expect(await db.prisma.user.count()).toBe(0);
    });
  });
});
