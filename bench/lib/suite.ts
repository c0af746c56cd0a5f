// Interleaved rounds (A, B, C, A, B, C, ...) over HTTP targets, and the sweep
// for the highest rate under a p99 bound. Medians across rounds are what we quote.
import { closedLoop, nextRequest, requestOnce, type LoadResult, type RawResponse, type RequestSource } from './http-load.js';
import { median } from './stats.js';

export interface Target {
  id: string;
  label: string;
  url: string;
  requests: RequestSource;
  isError?: (r: RawResponse) => boolean;
}

export interface RoundOptions {
  rounds: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
}

function log(msg: string) {
  process.stderr.write(`${msg}\n`);
}

export function describe(r: LoadResult): string {
  const l = r.latency;
  return `${r.rps.toFixed(0)} req/s p50 ${l.p50.toFixed(3)} p99 ${l.p99.toFixed(3)} ms${r.errors ? ` errors ${r.errors} (${r.firstError})` : ''}`;
}

/** Each round runs every target once, in order; returns the runs per target id. */
export async function interleavedRounds(targets: Target[], o: RoundOptions): Promise<Record<string, LoadResult[]>> {
  const out: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.id, []]));
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of targets) {
      const r = await closedLoop({ url: t.url, requests: t.requests, connections: o.connections, durationMs: o.durationMs, warmupMs: o.warmupMs, isError: t.isError });
      out[t.id]!.push(r);
      log(`  round ${round} ${t.id.padEnd(18)} c=${o.connections} ${describe(r)}`);
    }
  }
  return out;
}

export interface SweepOptions {
  rounds: number;
  levels: number[];
  stepMs: number;
  warmupMs: number;
  p99BoundMs: number;
  /** Stop a target's climb once it is over the bound at two levels in a row (default true). */
  stopWhenOver?: boolean;
}

export interface SweepResult {
  /** runs[targetId][round][levelIndex]; null where the target had already passed the bound. */
  runs: Record<string, (LoadResult | null)[][]>;
  /** Highest rate with p99 under the bound, per round. */
  peaks: Record<string, number[]>;
  /** Connections of that rate, per round. */
  peakConnections: Record<string, number[]>;
}

/**
 * For each round and connection level, runs every target (interleaved). Unless told
 * otherwise, a target stops climbing in a round once its p99 was over the bound at two
 * levels in a row (one noisy step on a shared machine does not end its climb).
 */
export async function sweep(targets: Target[], o: SweepOptions): Promise<SweepResult> {
  const runs: SweepResult['runs'] = Object.fromEntries(targets.map((t) => [t.id, []]));
  const peaks: SweepResult['peaks'] = Object.fromEntries(targets.map((t) => [t.id, []]));
  const peakConnections: SweepResult['peakConnections'] = Object.fromEntries(targets.map((t) => [t.id, []]));
  for (let round = 1; round <= o.rounds; round++) {
    const over = new Set<string>();
    const overOnce = new Set<string>();
    const best = new Map<string, { rps: number; c: number }>();
    for (const t of targets) runs[t.id]!.push([]);
    for (const c of o.levels) {
      for (const t of targets) {
        if (over.has(t.id)) {
          runs[t.id]![round - 1]!.push(null);
          continue;
        }
        const r = await closedLoop({ url: t.url, requests: t.requests, connections: c, durationMs: o.stepMs, warmupMs: o.warmupMs, isError: t.isError });
        runs[t.id]![round - 1]!.push(r);
        log(`  sweep ${round} ${t.id.padEnd(18)} c=${String(c).padStart(3)} ${describe(r)}`);
        if (r.latency.p99 < o.p99BoundMs && r.errors === 0) {
          overOnce.delete(t.id);
          if (r.rps > (best.get(t.id)?.rps ?? 0)) best.set(t.id, { rps: r.rps, c });
        } else if (overOnce.has(t.id)) {
          if (o.stopWhenOver !== false) over.add(t.id);
        } else {
          overOnce.add(t.id);
        }
      }
    }
    for (const t of targets) {
      peaks[t.id]!.push(best.get(t.id)?.rps ?? 0);
      peakConnections[t.id]!.push(best.get(t.id)?.c ?? 0);
    }
  }
  return { runs, peaks, peakConnections };
}

/** Median across rounds of a per-run figure. */
export function med(runs: (LoadResult | null | undefined)[], pick: (r: LoadResult) => number): number {
  return median(runs.filter((r): r is LoadResult => !!r).map(pick));
}

/** Checks a target answers 2xx with the expected text before it is measured. */
export async function verify(t: Target, expect: string | RegExp): Promise<void> {
  const raw = nextRequest(t.requests, 0).toString('latin1');
  const headerEnd = raw.indexOf('\r\n\r\n');
  const [method, path] = raw.slice(0, raw.indexOf('\r\n')).split(' ');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, headerEnd).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    const k = line.slice(0, i).toLowerCase();
    if (k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = line.slice(i + 1).trim();
  }
  const body = raw.slice(headerEnd + 4);
  const u = new URL(t.url);
  const r = await requestOnce(`${u.origin}${path}`, method!, headers, body || undefined);
  const bad = t.isError ? t.isError({ status: r.status, body: Buffer.from(r.text) }) : r.status >= 400;
  if (bad || !(typeof expect === 'string' ? r.text.includes(expect) : expect.test(r.text))) {
    throw new Error(`${t.label} did not answer as expected: HTTP ${r.status} ${r.text.slice(0, 400)}`);
  }
}
