// Prices as data and the one cost function. An unknown price is null, never 0:
// a gateway that reports $0 for an unpriced model under-reports spend.
import { readFileSync } from 'node:fs';
import bundled from './prices.json' with { type: 'json' };

export interface ModelPrice {
  /** USD per 1M input tokens. */
  input: number;
  output: number;
  cached_input?: number;
}

export type PriceTable = Record<string, Record<string, ModelPrice>>;

export interface CostInput {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Input tokens the provider billed at its cached-input rate. */
  cachedInputTokens?: number;
}

function isPrice(v: unknown): v is ModelPrice {
  const p = v as ModelPrice;
  return !!p && typeof p === 'object' && typeof p.input === 'number' && typeof p.output === 'number' && p.input >= 0 && p.output >= 0
    && (p.cached_input === undefined || (typeof p.cached_input === 'number' && p.cached_input >= 0));
}

/** The bundled table with PRICING_FILE's entries laid over it (per model). */
export function loadPriceTable(overrideFile?: string): PriceTable {
  const table: PriceTable = {};
  const merge = (source: Record<string, unknown>, origin: string) => {
    for (const [provider, models] of Object.entries(source)) {
      if (provider.startsWith('_')) continue;
      if (!models || typeof models !== 'object') throw new Error(`${origin}: ${provider} must map model names to prices`);
      for (const [model, price] of Object.entries(models as Record<string, unknown>)) {
        if (!isPrice(price)) throw new Error(`${origin}: ${provider}/${model} needs numeric input and output prices per 1M tokens`);
        (table[provider] ??= {})[model] = price;
      }
    }
  };
  merge(bundled as Record<string, unknown>, 'bundled prices');
  if (overrideFile) merge(JSON.parse(readFileSync(overrideFile, 'utf8')) as Record<string, unknown>, overrideFile);
  return table;
}

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

  /** USD, or null when the model has no known price. */
  cost(c: CostInput): number | null {
    const price = this.priceOf(c.provider, c.model);
    if (!price) return null;
    const cached = Math.min(c.cachedInputTokens ?? 0, c.inputTokens);
    const usd = ((c.inputTokens - cached) * price.input + cached * (price.cached_input ?? price.input) + c.outputTokens * price.output) / 1_000_000;
    return Math.round(usd * 1e10) / 1e10;
  }
}
