// The rate-limit headers OpenAI sends, from what the key's limits check wrote on the
// caller's context (Caller.rateLimit). Any HTTP entry point (REST, the /v1 drop-in
// routes) gives the same context to the gateway and calls this for its answer.
import type { RateLimitState } from './governance.js';

export function rateLimitHeaders(ctx: { rateLimit?: RateLimitState } | undefined): Record<string, string> {
  const s = ctx?.rateLimit;
  const out: Record<string, string> = {};
  if (s?.requests) {
    out['x-ratelimit-limit-requests'] = String(s.requests.limit);
    out['x-ratelimit-remaining-requests'] = String(s.requests.remaining);
    out['x-ratelimit-reset-requests'] = `${s.requests.resetSeconds}s`;
  }
  if (s?.tokens) {
    out['x-ratelimit-limit-tokens'] = String(s.tokens.limit);
    out['x-ratelimit-remaining-tokens'] = String(s.tokens.remaining);
    out['x-ratelimit-reset-tokens'] = `${s.tokens.resetSeconds}s`;
  }
  return out;
}
