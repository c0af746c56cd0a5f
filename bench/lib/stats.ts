// Percentiles and medians over latency samples (milliseconds).

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (q in 0..100). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function sortNumbers(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

export function summarize(values: ArrayLike<number>): Summary {
  const s = sortNumbers(values);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    n: s.length,
    mean: s.length ? sum / s.length : NaN,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    max: s.length ? s[s.length - 1]! : NaN,
  };
}

/** Median of a small list (mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function ratio(a: number, b: number): number {
  return b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? NaN : a / b;
}

/** Rounds for display and JSON: 3 significant decimals below 10, fewer above. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
