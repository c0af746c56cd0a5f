// The key fields' rules: model patterns, the field validation shared by REST and GraphQL,
// budget periods and the Redis-down share.
import { describe, expect, it } from 'vitest';
import { periodDays } from '../../src/governance/governance.js';
import { KeyFields, limitColumns, modelAllowed } from '../../src/governance/policy.js';
import { parseBody } from '../../src/validators.js';

describe('model allow-list patterns', () => {
  it('matches provider/model with * wildcards, and everything when empty', () => {
    expect(modelAllowed([], 'openai', 'gpt-4o')).toBe(true);
    expect(modelAllowed(['openai/*'], 'openai', 'gpt-4o')).toBe(true);
    expect(modelAllowed(['openai/*'], 'anthropic', 'claude-3-5-sonnet-20241022')).toBe(false);
    expect(modelAllowed(['anthropic/claude-3-5-sonnet*'], 'anthropic', 'claude-3-5-sonnet-20241022')).toBe(true);
    expect(modelAllowed(['anthropic/claude-3-5-sonnet*'], 'anthropic', 'claude-3-5-haiku-20241022')).toBe(false);
    expect(modelAllowed(['openai/gpt-4o'], 'openai', 'gpt-4o-mini')).toBe(false);
    expect(modelAllowed(['*/gpt-4o*'], 'openai', 'gpt-4o-mini')).toBe(true);
    expect(modelAllowed(['huggingface/meta-llama/*'], 'huggingface', 'meta-llama/Llama-3.1-8B-Instruct')).toBe(true);
    expect(modelAllowed(['a*b*c'], 'a', 'bc')).toBe(true); // "a/bc": a, then b, then c
    expect(modelAllowed(['a*b*b'], 'a', 'b')).toBe(false); // one b cannot be both
    // Hostile patterns are matched in linear time (no regular expression built from input).
    expect(modelAllowed(['*a*a*a*a*a*a*a*a*a*a*b'], 'x', 'a'.repeat(10_000))).toBe(false);
  });
});

describe('key fields', () => {
  it('takes the snake_case fields and turns them into stored columns; absent stays absent, null clears', () => {
    const f = parseBody(KeyFields, { rpm: 10, max_budget_usd_total: null, allowed_models: ['openai/*'], alert_webhook_url: 'https://hooks.example.com/x' });
    expect(limitColumns(f, false)).toEqual({ rpm: 10, maxBudgetUsdTotal: null, allowedModels: ['openai/*'], alertWebhookUrl: 'https://hooks.example.com/x' });
    expect(() => parseBody(KeyFields, { tags: Array(51).fill('t') })).toThrow(/tags/);
    expect(() => parseBody(KeyFields, { tags: ['a\u0000b'] })).toThrow(/control characters/);
    expect(() => parseBody(KeyFields, { tpm: 1.5 })).toThrow(/tpm/);
    expect(() => parseBody(KeyFields, { max_budget_usd_per_day: Infinity })).toThrow(/max_budget_usd_per_day/);
  });

  it('names the UTC days of each budget period', () => {
    expect(periodDays('day:2026-12-31')).toEqual(['2026-12-31', '2027-01-01']);
    expect(periodDays('month:2026-02')).toEqual(['2026-02-01', '2026-03-01']);
    expect(periodDays('month:2026-12')).toEqual(['2026-12-01', '2027-01-01']);
    expect(periodDays('total')).toEqual(['0001-01-01', '9999-12-31']);
  });
});
