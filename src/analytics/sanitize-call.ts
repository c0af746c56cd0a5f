// What the recorder stores is bounded and well-formed before it is queued: a value
// the database refuses (a NUL byte, a lone surrogate, a non-UUID user id, a count
// past the integer column's range, NaN) would otherwise fail its whole batch. A
// record with nothing to fix is queued as it is.
import { isUuid } from '../validators.js';
import type { CallRecord } from './recorder.js';

/** Longest text kept per field, in UTF-16 code units; longer values are cut. */
export const CALL_TEXT_LIMITS = { provider: 64, model: 200, source: 32, errorCode: 64 } as const;

export type SanitizedField = keyof typeof CALL_TEXT_LIMITS | 'userId' | 'status' | 'number';

/** C0 controls, DEL and C1 controls: never meaningful in a name, and NUL is refused by PostgreSQL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_TEST = /[\u0000-\u001f\u007f-\u009f]/;
/** String methods of Node 20 that the ES2023 lib in tsconfig does not declare. */
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };
const isWellFormed = (s: string) => (s as WellFormed).isWellFormed();
/** Largest value of the INTEGER columns (tokens, latency). */
const INT_MAX = 2_147_483_647;

function cleanText(value: unknown, max: number): string {
  let s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  if (s.length > max) s = s.slice(0, max);
  if (CONTROL_TEST.test(s)) s = s.replace(CONTROL, '\ufffd');
  // A cut (or a hostile value) can leave half a surrogate pair, which is not valid UTF-8.
  if (!isWellFormed(s)) s = (s as WellFormed).toWellFormed();
  return s;
}

function textOk(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length <= max && !CONTROL_TEST.test(value) && isWellFormed(value);
}

/** A count stored in an INTEGER column: finite, whole, 0..INT_MAX. */
function cleanCount(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(Math.round(n), INT_MAX);
}

function countOk(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= INT_MAX;
}

/** The usage parts a record may leave out (0 then). */
function optionalCountOk(value: unknown): boolean {
  return value === undefined || countOk(value);
}

/** A cost: finite and not negative, else unknown (null). */
function cleanCost(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function costOk(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

function userOk(value: unknown): boolean {
  return value === null || isUuid(value);
}

/**
 * Returns the call itself when every field is storable, else a corrected copy, and
 * tells `onFix` which fields were corrected (counted in /metrics).
 */
export function sanitizeCall(call: CallRecord, onFix?: (field: SanitizedField) => void): CallRecord {
  const fixes: SanitizedField[] = [];
  if (!userOk(call.userId)) fixes.push('userId');
  if (!userOk(call.apiKeyId ?? null) || !userOk(call.teamId ?? null)) fixes.push('userId');
  for (const f of ['provider', 'model', 'source'] as const) if (!textOk(call[f], CALL_TEXT_LIMITS[f])) fixes.push(f);
  if (call.errorCode !== null && !textOk(call.errorCode, CALL_TEXT_LIMITS.errorCode)) fixes.push('errorCode');
  if (call.status !== 'success' && call.status !== 'error') fixes.push('status');
  const numbersOk = countOk(call.inputTokens) && countOk(call.outputTokens) && countOk(call.latencyMs) && countOk(call.tokensSaved)
    && costOk(call.costUsd) && costOk(call.listCostUsd)
    && optionalCountOk(call.cachedInputTokens) && optionalCountOk(call.cacheWriteTokens) && optionalCountOk(call.reasoningTokens) && optionalCountOk(call.toolCalls);
  if (!numbersOk) fixes.push('number');
  const booleansOk = typeof call.cached === 'boolean' && typeof call.optimized === 'boolean' && typeof call.streamed === 'boolean'
    && typeof call.costEstimated === 'boolean';
  if (fixes.length === 0 && booleansOk) return call;

  for (const f of fixes) onFix?.(f);
  return {
    // A malformed id cannot be stored and names nobody: the call is kept, unattributed.
    userId: userOk(call.userId) ? call.userId : null,
    ...(call.apiKeyId !== undefined ? { apiKeyId: userOk(call.apiKeyId) ? call.apiKeyId : null } : {}),
    ...(call.teamId !== undefined ? { teamId: userOk(call.teamId) ? call.teamId : null } : {}),
    provider: cleanText(call.provider, CALL_TEXT_LIMITS.provider),
    model: cleanText(call.model, CALL_TEXT_LIMITS.model),
    source: cleanText(call.source, CALL_TEXT_LIMITS.source),
    inputTokens: cleanCount(call.inputTokens),
    outputTokens: cleanCount(call.outputTokens),
    ...(call.cachedInputTokens !== undefined ? { cachedInputTokens: cleanCount(call.cachedInputTokens) } : {}),
    ...(call.cacheWriteTokens !== undefined ? { cacheWriteTokens: cleanCount(call.cacheWriteTokens) } : {}),
    ...(call.reasoningTokens !== undefined ? { reasoningTokens: cleanCount(call.reasoningTokens) } : {}),
    ...(call.toolCalls !== undefined ? { toolCalls: cleanCount(call.toolCalls) } : {}),
    costUsd: cleanCost(call.costUsd),
    listCostUsd: cleanCost(call.listCostUsd),
    costEstimated: call.costEstimated === true,
    latencyMs: cleanCount(call.latencyMs),
    cached: call.cached === true,
    optimized: call.optimized === true,
    tokensSaved: cleanCount(call.tokensSaved),
    streamed: call.streamed === true,
    status: call.status === 'success' ? 'success' : 'error',
    errorCode: call.errorCode === null || call.errorCode === undefined ? null : cleanText(call.errorCode, CALL_TEXT_LIMITS.errorCode),
  };
}
