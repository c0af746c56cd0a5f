// One gateway per DATA_DIR: the embedded database cannot be shared between processes (each
// would see only its own writes). The lock is a file naming the owner's pid, created with
// O_EXCL so only one process can create it. A lock whose owner is gone is taken over under a
// short-lived guard directory, so two processes finding the same stale lock cannot both win.
import { mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`DATA_DIR ${dir} is in use by another gateway (pid ${pid}); one instance per folder, several instances need PostgreSQL (DATABASE_URL)`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

export const LOCK_FILE = 'gateway.lock';
/** A guard older than this was left by a process that died while taking over. */
const GUARD_STALE_MS = 5_000;
const RETRY_MS = 25;
const MAX_ATTEMPTS = 200;

/** Folders this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>();

/** Identifies one life of a process: its pid may be reused after it exits, this pair is not. */
function processStartToken(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the command name, which may contain spaces.
    const starttime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return starttime ? `${boot}:${starttime}` : '';
  } catch {
    return ''; // not Linux, or the process is gone
  }
}

interface Owner {
  pid: number;
  token: string;
  raw: string;
}

function readOwner(path: string): Owner | 'missing' | 'unreadable' {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  const [pidText, token = ''] = raw.split('\n');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !raw.endsWith('\n')) return 'unreadable';
  return { pid, token, raw };
}

function alive(owner: Owner): boolean {
  // A lock naming this very process that it does not hold is from an earlier life of the pid
  // (a container restarted with the same volume runs the gateway under the same pid again).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.token) {
    const now = processStartToken(owner.pid);
    if (now && now !== owner.token) return false; // the pid now belongs to another process
  }
  return true;
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes the lock file if it still holds `stale`; false when another process is taking over. */
function removeStale(path: string, stale: string): boolean {
  const guard = `${path}.takeover`;
  try {
    mkdirSync(guard);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmdirSync(guard);
    } catch {
      // removed by its holder meanwhile
    }
    return false;
  }
  try {
    let current: string | null = null;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = null;
    }
    if (current === stale) unlinkSync(path);
  } finally {
    rmdirSync(guard);
  }
  return true;
}

/** Takes DATA_DIR for this process; throws DataDirInUseError while a live process holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  if (heldHere.has(dir)) throw new DataDirInUseError(dir, process.pid);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const content = `${process.pid}\n${processStartToken(process.pid)}\n`;
  let unreadableSince = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (tryCreate(path, content)) return held(dir, path, content);
    const owner = readOwner(path);
    if (owner === 'missing') continue;
    if (owner === 'unreadable') {
      // Just created and not yet written, or left half-written by a process that died then.
      unreadableSince ||= Date.now();
      if (Date.now() - unreadableSince < 1_000) {
        await sleep(RETRY_MS);
        continue;
      }
      let raw = '';
      try {
        raw = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      if (!removeStale(path, raw)) await sleep(RETRY_MS);
      continue;
    }
    if (alive(owner)) throw new DataDirInUseError(dir, owner.pid);
    if (!removeStale(path, owner.raw)) await sleep(RETRY_MS);
  }
  throw new Error(`could not lock DATA_DIR ${dir}: ${path} keeps changing`);
}

function held(dir: string, path: string, content: string): DataDirLock {
  heldHere.add(dir);
  const release = () => {
    process.off('exit', release);
    if (!heldHere.delete(dir)) return;
    try {
      if (readFileSync(path, 'utf8') === content) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // Also when the process exits without closing the database (process.exit after an error).
  process.on('exit', release);
  return { path, release };
}
