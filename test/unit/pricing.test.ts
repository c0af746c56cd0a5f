import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable, Pricing } from '../../src/pricing/pricing.js';

describe('pricing', () => {
  const pricing = new Pricing(loadPriceTable());

  it('prices from per-1M rates, with cached input at its own rate', () => {
    expect(pricing.cost({ provider: 'openai', model: 'gpt-4', inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.06, 12);
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 400_000 }))
      .toBeCloseTo(0.6 * 3 + 0.4 * 0.3, 10);
  });

  it('matches dated model versions to their family, longest name first', () => {
    expect(pricing.priceOf('openai', 'gpt-4o-2024-08-06')).toMatchObject({ input: 2.5 });
    expect(pricing.priceOf('openai', 'gpt-4o-mini-2024-07-18')).toMatchObject({ input: 0.15 });
    expect(pricing.priceOf('ollama', 'llama3:70b')).toMatchObject({ input: 0, output: 0 });
  });

  it('returns null, never 0, for unknown models and providers', () => {
    expect(pricing.cost({ provider: 'openai', model: 'gpt-42', inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(pricing.cost({ provider: 'mistral', model: 'x', inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(pricing.priceOf('openai', 'gpt-4omega')).toBeNull();
  });

  it('lays a PRICING_FILE over the bundled table and rejects malformed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify({ openai: { 'gpt-4': { input: 1, output: 2 }, 'my-ft': { input: 5, output: 5 } } }));
    const custom = new Pricing(loadPriceTable(file));
    expect(custom.cost({ provider: 'openai', model: 'gpt-4', inputTokens: 1e6, outputTokens: 1e6 })).toBe(3);
    expect(custom.cost({ provider: 'openai', model: 'my-ft', inputTokens: 1e6, outputTokens: 0 })).toBe(5);
    expect(custom.priceOf('anthropic', 'claude-3-haiku')).toMatchObject({ input: 0.25 });
    writeFileSync(file, JSON.stringify({ openai: { x: { input: 'cheap' } } }));
    expect(() => loadPriceTable(file)).toThrow(/openai\/x needs numeric/);
  });
});
