import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable, PRICES_AS_OF, Pricing } from '../../src/pricing/pricing.js';

describe('pricing', () => {
  const pricing = new Pricing(loadPriceTable());

  it('prices from per-1M rates, with cached input at its own rate', () => {
    expect(pricing.cost({ provider: 'openai', model: 'gpt-4', inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.06, 12);
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 400_000 }))
      .toBeCloseTo(0.6 * 3 + 0.4 * 0.3, 10);
  });

  // Each figure worked out by hand from the provider's published per-1M rates, as its invoice would show it.
  it('OpenAI: cached tokens are part of input and billed at the cached rate; reasoning is billed as output', () => {
    // gpt-4.1: 4,000 uncached x $2 + 6,000 cached x $0.50 + 2,000 output x $8 (1,500 of them reasoning)
    expect(pricing.cost({ provider: 'openai', model: 'gpt-4.1-2025-04-14', inputTokens: 10_000, outputTokens: 2_000, cachedInputTokens: 6_000, reasoningTokens: 1_500 })).toBe(0.027);
    // o3: 1,000 x $2 + 5,000 output x $8 (4,000 reasoning)
    expect(pricing.cost({ provider: 'openai', model: 'o3', inputTokens: 1_000, outputTokens: 5_000, reasoningTokens: 4_000 })).toBe(0.042);
    // o4-mini: 3,000 uncached x $1.10 + 1,000 cached x $0.275 + 2,000 x $4.40
    expect(pricing.cost({ provider: 'openai', model: 'o4-mini-2025-04-16', inputTokens: 4_000, outputTokens: 2_000, cachedInputTokens: 1_000 })).toBe(0.012375);
    // gpt-4o-mini: 1M uncached x $0.15 + 1M cached x $0.075 + 1M x $0.60
    expect(pricing.cost({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 2_000_000, outputTokens: 1_000_000, cachedInputTokens: 1_000_000 })).toBe(0.825);
  });

  it('Anthropic: cache reads and cache writes (reported apart, counted in input) each at their rate', () => {
    // claude-sonnet-4: 1,000 uncached x $3 + 20,000 read x $0.30 + 5,000 written x $3.75 + 800 x $15
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 26_000, outputTokens: 800, cachedInputTokens: 20_000, cacheWriteTokens: 5_000 })).toBe(0.03975);
    // claude-opus-4: 2,000 x $15 + 10,000 read x $1.50 + 4,000 written x $18.75 + 1,000 x $75
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-opus-4-20250514', inputTokens: 16_000, outputTokens: 1_000, cachedInputTokens: 10_000, cacheWriteTokens: 4_000 })).toBe(0.195);
    // claude-3-5-haiku: 10,000 written x $1 + 1,000 x $4
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-3-5-haiku-20241022', inputTokens: 10_000, outputTokens: 1_000, cacheWriteTokens: 10_000 })).toBe(0.014);
    // claude-3-7-sonnet with thinking: thinking tokens are output tokens
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-3-7-sonnet-20250219', inputTokens: 1_000, outputTokens: 3_000, reasoningTokens: 2_000 })).toBe(0.048);
  });

  it('Gemini: thoughts are output; cached content at its rate; 2.5 Pro bills long prompts at the long-context rates', () => {
    // gemini-2.5-flash: 4,000 x $0.30 + 8,000 cached x $0.075 + (300 answer + 700 thoughts) x $2.50
    expect(pricing.cost({ provider: 'gemini', model: 'gemini-2.5-flash', inputTokens: 12_000, outputTokens: 1_000, cachedInputTokens: 8_000, reasoningTokens: 700 })).toBe(0.0043);
    // gemini-2.5-pro: 100,000 x $1.25 + 1,000 x $10; above 200,000 prompt tokens: 250,000 x $2.50 + 1,000 x $15
    expect(pricing.cost({ provider: 'gemini', model: 'gemini-2.5-pro', inputTokens: 100_000, outputTokens: 1_000 })).toBe(0.135);
    expect(pricing.cost({ provider: 'gemini', model: 'gemini-2.5-pro', inputTokens: 250_000, outputTokens: 1_000 })).toBe(0.64);
    // gemini-2.0-flash: 600 x $0.10 + 400 cached x $0.025 + 1,000 x $0.40
    expect(pricing.cost({ provider: 'gemini', model: 'gemini-2.0-flash', inputTokens: 1_000, outputTokens: 1_000, cachedInputTokens: 400 })).toBe(0.00047);
  });

  it('Cohere: Command R, R+ and A by their dated names; cached tokens without a cached rate are input', () => {
    expect(pricing.cost({ provider: 'cohere', model: 'command-a-03-2025', inputTokens: 1_000, outputTokens: 500 })).toBe(0.0075);
    expect(pricing.cost({ provider: 'cohere', model: 'command-r-plus-08-2024', inputTokens: 1_000, outputTokens: 500 })).toBe(0.0075);
    expect(pricing.cost({ provider: 'cohere', model: 'command-r-08-2024', inputTokens: 10_000, outputTokens: 1_000, cachedInputTokens: 4_000 })).toBe(0.0021);
    expect(pricing.cost({ provider: 'cohere', model: 'command-r7b-12-2024', inputTokens: 1_000_000, outputTokens: 0 })).toBe(0.0375);
  });

  it('covers the current models of each provider and says when its prices were taken', () => {
    const models: [string, string][] = [
      ['openai', 'gpt-4.1'], ['openai', 'gpt-4.1-mini'], ['openai', 'gpt-4.1-nano'], ['openai', 'gpt-4o'], ['openai', 'gpt-4o-mini'], ['openai', 'o3'], ['openai', 'o4-mini'],
      ['anthropic', 'claude-3-5-sonnet-20241022'], ['anthropic', 'claude-3-7-sonnet-20250219'], ['anthropic', 'claude-sonnet-4-20250514'], ['anthropic', 'claude-opus-4-20250514'], ['anthropic', 'claude-3-5-haiku-20241022'],
      ['gemini', 'gemini-2.0-flash'], ['gemini', 'gemini-2.5-flash'], ['gemini', 'gemini-2.5-pro'],
      ['cohere', 'command-r-08-2024'], ['cohere', 'command-r-plus-08-2024'], ['cohere', 'command-a-03-2025'],
    ];
    expect(models.filter(([p, m]) => pricing.priceOf(p, m) === null)).toEqual([]);
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}$/);
  });

  it('never bills a negative part when the reported parts exceed the totals', () => {
    // 100 input, all of it reported cached and written: read first, nothing left to write.
    expect(pricing.cost({ provider: 'anthropic', model: 'claude-sonnet-4', inputTokens: 100, outputTokens: 0, cachedInputTokens: 150, cacheWriteTokens: 50 })).toBe(0.00003);
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
    writeFileSync(file, JSON.stringify({ openai: { x: { input: 1, output: 1, cache_write: -1 } } }));
    expect(() => loadPriceTable(file)).toThrow(/openai\/x needs numeric/);
    // A provider that bills reasoning apart: its own rate.
    writeFileSync(file, JSON.stringify({ acme: { r1: { input: 1, output: 2, reasoning: 10 } } }));
    expect(new Pricing(loadPriceTable(file)).cost({ provider: 'acme', model: 'r1', inputTokens: 0, outputTokens: 1_000_000, reasoningTokens: 250_000 })).toBe(4);
  });
});
