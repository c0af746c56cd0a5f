// Preloaded into a gateway by bench/experiments/db-work.mts (BENCH_GATEWAY_NODE_FLAGS="--import <this>"):
// times every synchronous run of the embedded database on the thread that runs it
// (PGlite.execProtocolRawSync: the wasm call, with its file writes) and every syncToFs, labelled
// by the statement's first words, and writes them to DB_WORK_FILE at exit as
// { thread, ops: [label, startMs, durationMs][] } (startMs on that thread's clock). Not used by the gateway itself.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

// The gateway's own copy (it runs with its checkout as the working directory).
const { PGlite } = await import(pathToFileURL(path.join(process.cwd(), 'node_modules/@electric-sql/pglite/dist/index.js')).href);

const file = process.env.DB_WORK_FILE;
const ops = [];
const label = (bytes) => {
  // Simple query 'Q' or Parse 'P' (name\0 sql\0): the SQL's first words.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 400)).toString('latin1');
  const m = /(SELECT|INSERT|UPDATE|DELETE|COPY|BEGIN|COMMIT|ROLLBACK|SET|WITH|CHECKPOINT)\b[^\0]{0,70}/i.exec(text);
  return m ? m[0].replace(/\s+/g, ' ') : `msg ${String.fromCharCode(bytes[0] ?? 63)}`;
};
// The extended protocol sends Parse, Bind, Describe, Execute, Sync as separate runs: each is
// labelled with the statement last parsed and its message type.
let parsed = '';
const sync = PGlite.prototype.execProtocolRawSync;
PGlite.prototype.execProtocolRawSync = function (bytes) {
  const type = String.fromCharCode(bytes[0] ?? 63);
  if (type === 'P' || type === 'Q') parsed = label(bytes);
  const t0 = performance.now();
  try {
    return sync.call(this, bytes);
  } finally {
    ops.push([`${parsed} [${type}]`, t0, performance.now() - t0]);
  }
};
const toFs = PGlite.prototype.syncToFs;
PGlite.prototype.syncToFs = async function () {
  const t0 = performance.now();
  try {
    return await toFs.call(this);
  } finally {
    ops.push(['(syncToFs)', t0, performance.now() - t0]);
  }
};
// Written when the database closes, on whichever thread runs it (the gateway's own thread, or
// the embedded database's thread: the flag reaches worker threads too).
const close = PGlite.prototype.close;
PGlite.prototype.close = async function () {
  if (file) writeFileSync(file, JSON.stringify({ thread: isMainThread ? 'main' : 'worker', ops }));
  return close.call(this);
};
