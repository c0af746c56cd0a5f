// The DATA_DIR lock in this process and across real processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.js';

const dirs: string[] = [];
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'aigw-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

describe('DATA_DIR lock', () => {
  it('creates a lock file naming this process, refuses a second holder, and removes it on release', async () => {
    const dir = tempDir();
    const lock = await lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    const second = await lockDataDir(dir).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as DataDirInUseError).message).toBe(
      `DATA_DIR ${dir} is in use by another gateway (pid ${process.pid}); one instance per folder, several instances need PostgreSQL (DATABASE_URL)`,
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    (await lockDataDir(dir)).release();
  });

  it('refuses while the owner named in the lock is alive', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n\n`);
    await expect(lockDataDir(dir)).rejects.toMatchObject({ name: 'DataDirInUseError', pid: process.ppid });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n\n`);
  });

  it('takes over a lock whose owner is gone, or whose pid now belongs to another process', async () => {
    for (const stale of [`${deadPid()}\n\n`, `${process.ppid}\nnot-the-same-boot:1\n`, `${process.pid}\n\n`]) {
      const dir = tempDir();
      writeFileSync(join(dir, LOCK_FILE), stale);
      const lock = await lockDataDir(dir);
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
      lock.release();
    }
  });

  it('takes over a lock file left empty by a process that died while creating it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '');
    const lock = await lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n\n`);
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/lock-data-dir.ts', dir], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const exited = children.map((c) => new Promise((r) => c.once('exit', r)));
    const outcomes = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((resolve, reject) => {
            let out = '';
            let err = '';
            c.stderr.on('data', (d: Buffer) => (err += d.toString()));
            c.stdout.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.endsWith('\n')) resolve(out.trim());
            });
            c.once('exit', (code) => reject(new Error(`child exited ${code} before answering: ${err}`)));
          }),
      ),
    );
    const winners = children.filter((_, i) => outcomes[i] === 'locked');
    expect(winners).toHaveLength(1);
    const owner = winners[0]!.pid;
    expect(outcomes.filter((o) => o !== 'locked')).toEqual(Array(3).fill(`in-use ${owner}`));
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(owner));
    for (const c of children) c.stdin.end();
    await Promise.all(exited);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
