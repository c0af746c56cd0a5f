// Where recorded calls go when the in-memory queue is full (the database unavailable
// for longer than the queue lasts): appended as JSON lines to segment files in one
// folder, read back once the database takes writes again, and deleted once every call
// read from a segment is stored. A segment read twice (the process stopped before it
// was deleted) is harmless: calls keep their ids and a stored id is skipped.
//
// Bounded: past `maxBytes` on disk, calls are refused (the recorder counts them as
// dropped). One process owns the folder at a time (a lock file naming its pid; a lock
// whose process is gone is taken over), so instances sharing a DATA_DIR never read each
// other's segments while they are being written.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../logger.js';
import { isUuid } from '../validators.js';
import type { StoredCall } from './recorder.js';
import { sanitizeCall } from './sanitize-call.js';

export interface SpillOptions {
  dir: string;
  /** Most bytes kept on disk across all segments. */
  maxBytes: number;
  /** A segment is closed (and becomes readable) past this size (default 8 MiB). */
  segmentBytes?: number;
}

export interface AppendResult {
  accepted: number;
  refused: number;
  /** Why calls were refused: the bound reached, or the folder unusable. */
  reason?: 'spill_full' | 'spill_error';
}

export interface ReadResult {
  calls: StoredCall[];
  /** Segments read to their end by this read: delete them (release) once their calls are stored. */
  finished: string[];
  /** Lines that were not a call (a write cut short when the process died). */
  corrupt: number;
}

const SEGMENT = /^seg-\d{13}-\d{6}\.ndjson$/;
const LOCK = 'spill.lock';
const READ_CHUNK = 256 * 1024;
/** Folders whose lock a live store in this process holds (a pid alone cannot tell two stores of one process apart). */
const heldHere = new Set<string>();

interface Reading {
  name: string;
  handle: FileHandle;
  offset: number;
  decoder: StringDecoder;
  carry: string;
}

export class SpillStore {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private state: 'closed' | 'open' | 'unavailable' = 'closed';
  private readonly token = randomUUID();
  /** Bytes of every segment on disk, by name (closed ones and the one being written). */
  private readonly sizes = new Map<string, number>();
  private total = 0;
  private writing: { name: string; fd: number } | null = null;
  private reading: Reading | null = null;
  /** Segments read to their end, kept until their calls are stored. */
  private readonly finished = new Set<string>();
  private sequence = 0;
  private warnedUnavailable = false;

  constructor(options: SpillOptions, private readonly logger: Logger) {
    this.dir = resolve(options.dir);
    this.maxBytes = options.maxBytes;
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  }

  /** Bytes on disk now. */
  get bytes(): number {
    return this.total;
  }

  /** Whether calls are waiting on disk to be read. */
  get pending(): boolean {
    if (this.reading) return true;
    for (const [name, size] of this.sizes) if (size > 0 && !this.finished.has(name)) return true;
    return false;
  }

  /**
   * Opens the folder if it holds segments from an earlier run (so they are replayed);
   * otherwise leaves the disk alone until something is spilled.
   */
  recover(): boolean {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => SEGMENT.test(n));
    } catch {
      return false;
    }
    return names.length > 0 && this.open();
  }

  /** Appends calls as JSON lines; refuses those past the bound. Synchronous: one write per call of this. */
  append(calls: StoredCall[]): AppendResult {
    if (!calls.length) return { accepted: 0, refused: 0 };
    if (!this.open()) return { accepted: 0, refused: calls.length, reason: 'spill_error' };
    let out = '';
    let bytes = 0;
    let accepted = 0;
    for (const c of calls) {
      const line = JSON.stringify(c) + '\n';
      const size = Buffer.byteLength(line);
      if (this.total + bytes + size > this.maxBytes) break;
      out += line;
      bytes += size;
      accepted++;
    }
    if (accepted) {
      try {
        const w = this.writing ?? this.startSegment();
        writeSync(w.fd, out);
        this.sizes.set(w.name, (this.sizes.get(w.name) ?? 0) + bytes);
        this.total += bytes;
        if (this.sizes.get(w.name)! >= this.segmentBytes) this.endSegment();
      } catch (e) {
        this.logger.error('analytics spill: cannot write to the spill folder', { dir: this.dir, error: (e as Error).message });
        return { accepted: 0, refused: calls.length, reason: 'spill_error' };
      }
    }
    return accepted === calls.length ? { accepted, refused: 0 } : { accepted, refused: calls.length - accepted, reason: 'spill_full' };
  }

  /** Reads up to `max` calls, oldest segment first (closing the one being written when it is the only one left). */
  async read(max: number): Promise<ReadResult> {
    const result: ReadResult = { calls: [], finished: [], corrupt: 0 };
    if (this.state !== 'open') return result;
    while (result.calls.length < max) {
      if (!this.reading) {
        const name = this.nextToRead();
        if (!name) break;
        try {
          this.reading = { name, handle: await open(join(this.dir, name), 'r'), offset: 0, decoder: new StringDecoder('utf8'), carry: '' };
        } catch (e) {
          // Gone (deleted by hand): nothing to replay from it.
          this.logger.warn('analytics spill: cannot open a segment', { segment: name, error: (e as Error).message });
          this.forget(name);
          continue;
        }
      }
      const r = this.reading;
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await r.handle.read(buffer, 0, READ_CHUNK, r.offset);
      r.offset += bytesRead;
      const text = r.carry + (bytesRead ? r.decoder.write(buffer.subarray(0, bytesRead)) : r.decoder.end());
      const lines = text.split('\n');
      r.carry = bytesRead ? lines.pop()! : '';
      for (const line of lines) {
        if (!line) continue;
        const call = parseLine(line);
        if (call) result.calls.push(call);
        else result.corrupt++;
      }
      if (!bytesRead) {
        await r.handle.close().catch(() => {});
        this.reading = null;
        this.finished.add(r.name);
        result.finished.push(r.name);
      }
    }
    return result;
  }

  /** Deletes segments whose calls are all stored. */
  release(names: string[]): void {
    for (const name of names) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // already gone
      }
      this.forget(name);
    }
  }

  /** Makes what was written durable and gives up the folder. Segments stay for the next start. */
  async close(): Promise<void> {
    if (this.reading) {
      await this.reading.handle.close().catch(() => {});
      this.reading = null;
    }
    this.endSegment();
    if (this.state === 'open') {
      try {
        const lock = join(this.dir, LOCK);
        if (readLock(lock)?.token === this.token) unlinkSync(lock);
      } catch {
        // the lock is stale from now on either way: its pid is gone or its token unknown
      }
      heldHere.delete(this.dir);
    }
    this.state = 'closed';
  }

  private open(): boolean {
    if (this.state === 'open') return true;
    if (this.state === 'unavailable') return false;
    try {
      mkdirSync(this.dir, { recursive: true });
      if (!this.lock()) {
        this.unavailable('another running gateway owns this spill folder; give each instance its own ANALYTICS_SPILL_DIR');
        return false;
      }
      for (const name of readdirSync(this.dir).filter((n) => SEGMENT.test(n)).sort()) {
        const size = statSync(join(this.dir, name)).size;
        this.sizes.set(name, size);
        this.total += size;
      }
      this.state = 'open';
      if (this.total) this.logger.info('analytics spill: replaying calls kept on disk', { dir: this.dir, bytes: this.total });
      return true;
    } catch (e) {
      this.unavailable((e as Error).message);
      return false;
    }
  }

  private unavailable(reason: string) {
    this.state = 'unavailable';
    if (this.warnedUnavailable) return;
    this.warnedUnavailable = true;
    this.logger.error('analytics spill folder unusable; calls past the in-memory queue will be dropped', { dir: this.dir, reason });
  }

  /** Takes the folder's lock, or a stale one over; false when a live process (or store) holds it. */
  private lock(): boolean {
    const path = join(this.dir, LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, JSON.stringify({ pid: process.pid, token: this.token }), { flag: 'wx' });
        heldHere.add(this.dir);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readLock(path);
      if (owner && isAlive(owner.pid, this.dir)) return false;
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first: the next attempt finds out
      }
    }
    return false;
  }

  private startSegment(): { name: string; fd: number } {
    const name = `seg-${String(Date.now()).padStart(13, '0')}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}.ndjson`;
    this.writing = { name, fd: openSync(join(this.dir, name), 'a') };
    this.sizes.set(name, 0);
    return this.writing;
  }

  private endSegment() {
    if (!this.writing) return;
    try {
      fsyncSync(this.writing.fd);
    } catch {
      // written to the page cache at least; an OS crash could lose its tail
    }
    closeSync(this.writing.fd);
    if (this.sizes.get(this.writing.name) === 0) this.release([this.writing.name]);
    this.writing = null;
  }

  private nextToRead(): string | undefined {
    const closed = [...this.sizes.keys()].filter((n) => n !== this.writing?.name && !this.finished.has(n)).sort();
    if (closed.length) return closed[0];
    if (this.writing && this.sizes.get(this.writing.name)) {
      const name = this.writing.name;
      this.endSegment();
      return name;
    }
    return undefined;
  }

  private forget(name: string) {
    this.total -= this.sizes.get(name) ?? 0;
    this.sizes.delete(name);
    this.finished.delete(name);
  }
}

function readLock(path: string): { pid: number; token: string } | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; token?: unknown };
    return typeof v.pid === 'number' && typeof v.token === 'string' ? { pid: v.pid, token: v.token } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number, dir: string): boolean {
  // This process: alive only if one of its stores holds the folder (a restarted
  // container often gets the pid its previous run had).
  if (pid === process.pid) return heldHere.has(dir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A spilled line back to a call; null for anything that is not one. */
function parseLine(line: string): StoredCall | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || !isUuid(v.id) || typeof v.createdAt !== 'string') return null;
  const createdAt = new Date(v.createdAt);
  if (Number.isNaN(createdAt.getTime())) return null;
  return { ...sanitizeCall(v as never), id: v.id, createdAt };
}
