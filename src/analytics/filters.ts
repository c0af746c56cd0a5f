// The analytics filters (provider, days, user) as every entry point takes them:
// validated in one synchronous step before any query starts, then narrowed to
// what the viewer may see. REST and GraphQL pass their raw values and how they
// spell the fields (user_id / userId); the rules are the same.
import type { Viewer } from '../auth/auth-service.js';
import { GatewayError } from '../errors.js';
import { invalid, plainText, uuid } from '../validators.js';

export const MAX_DAYS = 365;
const MAX_PROVIDER_CHARS = 100;

/** Validated filters: what the queries take. */
export interface AnalyticsFilters {
  provider?: string;
  /** The last N UTC days including today (1..MAX_DAYS). */
  days?: number;
  userId?: string;
}

/** Filters as they arrive: query-string text on REST, typed arguments on GraphQL; null or undefined when absent. */
export interface AnalyticsFilterInput {
  provider?: unknown;
  days?: unknown;
  userId?: unknown;
}

/** How the caller spells field names in error details. */
export type FieldNaming = 'rest' | 'graphql';

export function fieldName(field: keyof AnalyticsFilterInput, naming: FieldNaming): string {
  return naming === 'rest' && field === 'userId' ? 'user_id' : field;
}

/** A window length in days: an integer 1..MAX_DAYS, as a number or as decimal digits. */
export function windowDays(value: unknown, field = 'days'): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) throw invalid(field, `must be an integer between 1 and ${MAX_DAYS}`);
  return n;
}

/** Checks every filter (throws VALIDATION_ERROR, synchronously) and returns them typed. */
export function analyticsFilters(input: AnalyticsFilterInput, naming: FieldNaming = 'graphql'): AnalyticsFilters {
  const out: AnalyticsFilters = {};
  if (input.provider != null) out.provider = plainText(input.provider, fieldName('provider', naming), MAX_PROVIDER_CHARS);
  if (input.days != null) out.days = windowDays(input.days, fieldName('days', naming));
  if (input.userId != null) out.userId = uuid(input.userId, fieldName('userId', naming)).toLowerCase();
  return out;
}

/**
 * The isolation rule: admins see every call and may filter by user; anyone else
 * sees only their own calls (their filter may name only themselves).
 */
export function scopeToViewer(viewer: Viewer, filters: AnalyticsFilters, naming: FieldNaming = 'graphql'): AnalyticsFilters {
  if (viewer.role === 'admin') return filters;
  const own = viewer.userId.toLowerCase();
  if (filters.userId !== undefined && filters.userId !== own) {
    throw new GatewayError('FORBIDDEN', "Only admins may see other users' analytics", { details: { field: fieldName('userId', naming) } });
  }
  return { ...filters, userId: own };
}
