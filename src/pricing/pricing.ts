// Prices as data and the one cost function. An unknown price is null, never 0:
// a gateway that reports $0 for an unpriced model under-reports spend.
import { readFileSync } from 'node:fs';
import bundled from './prices.json' with { type: 'json' };

/** USD per 1M tokens. */
export interface Rates {
  /** Uncached input. */
  input: number;
  /** Output, reasoning included unless `reasoning` is set. */
  output: number;
  /** Input read from the provider's prompt cache (default: input). */
  cached_input?: number;
  /** Input written to the provider's prompt cache (default: input). */
  cache_write?: number;
  /** Reasoning output, where a provider bills it apart from the answer (default: output). */
  reasoning?: number;
}

export interface ModelPrice extends Rates {
  /** Rates for a prompt longer than `above_input_tokens` (Gemini bills long prompts higher). */
  long_context?: Rates & { above_input_tokens: number };
}

export type PriceTable = Record<string, Record<string, ModelPrice>>;

/**
 * Usage as the gateway normalises it (see Usage in providers/types.ts): the cached and
 * cache-write tokens are part of inputTokens, the reasoning tokens part of outputTokens.
 */
export interface CostInput {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Part of inputTokens read from the prompt cache. */
  cachedInputTokens?: number;
  /** Part of inputTokens written to the prompt cache. */
  cacheWriteTokens?: number;
  /** Part of outputTokens spent on reasoning. */
  reasoningTokens?: number;
}

const RATE_FIELDS = ['input', 'output', 'cached_input', 'cache_write', 'reasoning'] as const;
const rate = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function isRates(v: unknown): v is Rates {
  const p = v as Record<string, unknown>;
  return !!p && typeof p === 'object' && rate(p.input) && rate(p.output) && RATE_FIELDS.every((f) => p[f] === undefined || rate(p[f]));
}

function isPrice(v: unknown): v is ModelPrice {
  if (!isRates(v)) return false;
  const long = (v as ModelPrice).long_context;
  return long === undefined || (isRates(long) && Number.isInteger(long.above_input_tokens) && long.above_input_tokens > 0);
}

/** The bundled table with PRICING_FILE's entries laid over it (per model). */
export function loadPriceTable(overrideFile?: string): PriceTable {
  const table: PriceTable = {};
  const merge = (source: Record<string, unknown>, origin: string) => {
    for (const [provider, models] of Object.entries(source)) {
      if (provider.startsWith('_')) continue;
      if (!models || typeof models !== 'object') throw new Error(`${origin}: ${provider} must map model names to prices`);
      for (const [model, price] of Object.entries(models as Record<string, unknown>)) {
        if (!isPrice(price)) throw new Error(`${origin}: ${provider}/${model} needs numeric input and output prices per 1M tokens (and non-negative numbers for the others)`);
        (table[provider] ??= {})[model] = price;
      }
    }
  };
  merge(bundled as Record<string, unknown>, 'bundled prices');
  if (overrideFile) merge(JSON.parse(readFileSync(overrideFile, 'utf8')) as Record<string, unknown>, overrideFile);
  return table;
}

/** When the bundled list prices were taken from the providers' pricing pages. */
export const PRICES_AS_OF: string = (bundled as { _prices_as_of: string })._prices_as_of;

export class Pricing {
  constructor(private readonly table: PriceTable) {}

  /**
   * Exact model, else the longest priced name the model extends with a version
   * suffix (gpt-4o-2024-08-06 -> gpt-4o), else the provider's '*' entry.
   */
  priceOf(provider: string, model: string): ModelPrice | null {
    const models = this.table[provider];
    if (!models) return null;
    if (models[model]) return models[model]!;
    let best: string | undefined;
    for (const name of Object.keys(models)) {
      if (name !== '*' && model.startsWith(name) && /^[-@:]/.test(model.slice(name.length)) && (!best || name.length > best.length)) best = name;
    }
    return best ? models[best]! : (models['*'] ?? null);
  }

  /**
   * USD as the provider invoices the usage, or null when the model has no known price:
   * each part of the input (uncached, cache read, cache write) and of the output (answer,
   * reasoning) at its own rate.
   */
  cost(c: CostInput): number | null {
    const price = this.priceOf(c.provider, c.model);
    if (!price) return null;
    const long = price.long_context;
    const r: Rates = long && c.inputTokens > long.above_input_tokens ? long : price;
    // Parts are clamped so that inconsistent reports never bill a negative remainder.
    const cached = Math.min(c.cachedInputTokens ?? 0, c.inputTokens);
    const written = Math.min(c.cacheWriteTokens ?? 0, c.inputTokens - cached);
    const reasoning = Math.min(c.reasoningTokens ?? 0, c.outputTokens);
    const usd =
      ((c.inputTokens - cached - written) * r.input +
        cached * (r.cached_input ?? r.input) +
        written * (r.cache_write ?? r.input) +
        (c.outputTokens - reasoning) * r.output +
        reasoning * (r.reasoning ?? r.output)) /
      1_000_000;
    return Math.round(usd * 1e10) / 1e10;
  }
}
