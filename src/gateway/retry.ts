// Exponential backoff with full jitter, honouring Retry-After when the upstream sent one.
import { UpstreamError } from '../providers/types.js';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 10_000 };

export function isRetryable(e: unknown): boolean {
  if (!(e instanceof UpstreamError)) return false;
  if (e.kind === 'network' || e.kind === 'timeout') return true;
  return e.kind === 'http' && (e.status === 429 || (e.status !== undefined && e.status >= 500));
}

export function backoffDelayMs(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random = Math.random): number {
  if (retryAfterSeconds !== undefined && retryAfterSeconds >= 0) return Math.min(retryAfterSeconds * 1000, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
