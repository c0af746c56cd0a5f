// What the recorder stores is made storable before it is queued: the values that
// used to fail a whole batch (NUL bytes, lone surrogates, non-UUID user ids,
// numbers out of the columns' range) are corrected, and counted per field.
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/analytics/recorder.js';
import { CALL_TEXT_LIMITS, sanitizeCall, type SanitizedField } from '../../src/analytics/sanitize-call.js';

const good: CallRecord = {
  userId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f', provider: 'openai', model: 'gpt-4o', source: 'rest', inputTokens: 10, outputTokens: 20,
  costUsd: 0.001, listCostUsd: 0.001, costEstimated: false, latencyMs: 120, cached: false, optimized: false, tokensSaved: 0,
  streamed: false, status: 'success', errorCode: null,
};

function fix(call: Partial<CallRecord>) {
  const fields: SanitizedField[] = [];
  const out = sanitizeCall({ ...good, ...call }, (f) => fields.push(f));
  return { out, fields };
}

describe('sanitizeCall', () => {
  it('returns a storable call as it is, without copying it', () => {
    const fields: SanitizedField[] = [];
    expect(sanitizeCall(good, (f) => fields.push(f))).toBe(good);
    expect(sanitizeCall({ ...good, userId: null, costUsd: null, errorCode: 'X', model: 'modèle-日本語-😀' })).toMatchObject({ model: 'modèle-日本語-😀' });
    expect(fields).toEqual([]);
  });

  it('replaces control characters (NUL included) and lone surrogates', () => {
    expect(fix({ model: 'gpt-4o\u0000evil' })).toEqual({ out: { ...good, model: 'gpt-4o\ufffdevil' }, fields: ['model'] });
    expect(fix({ provider: 'a\nb\u007f\u0085' }).out.provider).toBe('a\ufffdb\ufffd\ufffd');
    expect(fix({ model: 'x\ud800y\udfffz' }).out.model).toBe('x\ufffdy\ufffdz');
    expect(fix({ errorCode: 'E\u0000' })).toEqual({ out: { ...good, errorCode: 'E\ufffd' }, fields: ['errorCode'] });
  });

  it('bounds the usage parts and tool-call count like the other counts', () => {
    const parts = { cachedInputTokens: 5, cacheWriteTokens: 0, reasoningTokens: 7, toolCalls: 2 };
    expect(sanitizeCall({ ...good, ...parts })).toEqual({ ...good, ...parts });
    expect(fix({ cachedInputTokens: Number.NaN, cacheWriteTokens: -3, reasoningTokens: 1e12, toolCalls: 1.6 })).toEqual({
      out: { ...good, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 2_147_483_647, toolCalls: 2 },
      fields: ['number'],
    });
  });

  it('cuts long text, never leaving half a surrogate pair', () => {
    const { out, fields } = fix({ model: 'm'.repeat(CALL_TEXT_LIMITS.model - 1) + '😀😀', source: 's'.repeat(1000) });
    expect(out.model).toBe('m'.repeat(CALL_TEXT_LIMITS.model - 1) + '\ufffd');
    expect(out.source).toHaveLength(CALL_TEXT_LIMITS.source);
    expect(fields).toEqual(['model', 'source']);
  });

  it('keeps a call whose user id is not a UUID, unattributed', () => {
    expect(fix({ userId: 'not-a-uuid' })).toEqual({ out: { ...good, userId: null }, fields: ['userId'] });
    expect(fix({ userId: "1' OR '1'='1" }).out.userId).toBeNull();
  });

  it('makes counts finite, whole, non-negative and within INTEGER; costs finite and non-negative or unknown', () => {
    const { out, fields } = fix({ inputTokens: Number.NaN, outputTokens: -5, latencyMs: 1e12, tokensSaved: 2.6, costUsd: Number.POSITIVE_INFINITY, listCostUsd: -1 });
    expect(out).toEqual({ ...good, inputTokens: 0, outputTokens: 0, latencyMs: 2_147_483_647, tokensSaved: 3, costUsd: null, listCostUsd: null });
    expect(fields).toEqual(['number']);
  });

  it('keeps the status to success or error', () => {
    expect(fix({ status: 'weird' as 'success' })).toEqual({ out: { ...good, status: 'error' }, fields: ['status'] });
  });
});
