// The model names the drop-in APIs (/v1) take: "provider/model" for any registered provider,
// bare well-known names routed by the prefixes each provider declares in its info.ts
// (gpt-4o-mini -> openai), and aliases from the MODEL_ALIASES file. Which names a
// provider owns is stated in its own folder; this only reads it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { ProviderAdapter } from '../providers/types.js';

export interface ModelAlias {
  /** "provider/model". */
  model: string;
  /** Tried in order when the model fails: "provider" or "provider/model". */
  fallback?: string[];
}

export interface ResolvedModel {
  provider: string;
  model: string;
  fallback?: string[];
  /** How the client named it (echoed in answers). */
  requested: string;
}

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,63}$/;
const QUALIFIED = /^[a-z][a-z0-9_-]{0,63}\/[A-Za-z0-9][A-Za-z0-9._:@+/-]{0,199}$/;

const AliasFile = z.record(
  z.string(),
  z.strictObject({
    model: z.string().regex(QUALIFIED, 'must be provider/model'),
    fallback: z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9._:@+/-]{0,199})?$/, 'must be provider or provider/model')).max(6).optional(),
  }),
);

/**
 * The aliases of a MODEL_ALIASES file, or the one-line reason it cannot be used
 * (unreadable, not JSON, a bad entry, a provider that does not exist).
 */
export function loadModelAliases(path: string, providers: readonly string[]): Record<string, ModelAlias> | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  const r = AliasFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return `${issue.path.join('.') || 'the file'}: ${issue.message}`;
  }
  for (const [name, alias] of Object.entries(r.data)) {
    if (!ALIAS_NAME.test(name)) return `${name}: alias names are 1-64 letters, digits and . _ : @ + - (no /)`;
    for (const target of [alias.model, ...(alias.fallback ?? [])]) {
      const provider = target.split('/')[0]!;
      if (!providers.includes(provider)) return `${name}: ${target} names no provider (known: ${providers.join(', ')})`;
    }
  }
  return r.data;
}

export class ModelNames {
  constructor(
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    readonly aliases: Readonly<Record<string, ModelAlias>>,
  ) {}

  /** The provider whose declared prefixes match a bare name (the longest prefix wins). */
  private providerOfBareName(name: string): string | undefined {
    let best: { provider: string; length: number } | undefined;
    for (const [provider, adapter] of this.providers) {
      for (const prefix of adapter.modelPrefixes ?? []) {
        if (name.startsWith(prefix) && prefix.length > (best?.length ?? 0)) best = { provider, length: prefix.length };
      }
    }
    return best?.provider;
  }

  /** Where a model name goes; MODEL_NOT_FOUND (404) when nothing here knows it. */
  resolve(name: unknown): ResolvedModel {
    if (typeof name !== 'string' || name.length === 0) {
      throw new GatewayError('VALIDATION_ERROR', 'model: is required (provider/model, a well-known model name or an alias)', { details: { field: 'model' } });
    }
    if (name.length > 264) throw new GatewayError('VALIDATION_ERROR', 'model: must be at most 264 characters', { details: { field: 'model' } });
    const alias = Object.hasOwn(this.aliases, name) ? this.aliases[name] : undefined;
    if (alias) {
      const slash = alias.model.indexOf('/');
      return { provider: alias.model.slice(0, slash), model: alias.model.slice(slash + 1), ...(alias.fallback ? { fallback: alias.fallback } : {}), requested: name };
    }
    const slash = name.indexOf('/');
    if (slash > 0 && this.providers.has(name.slice(0, slash)) && slash < name.length - 1) {
      return { provider: name.slice(0, slash), model: name.slice(slash + 1), requested: name };
    }
    const provider = this.providerOfBareName(name);
    if (provider) return { provider, model: name, requested: name };
    throw notFound(name);
  }

  /** Every id /v1/models lists: provider/model of each configured provider, the bare names that route, and the aliases. */
  list(): { id: string; ownedBy: string }[] {
    const out: { id: string; ownedBy: string }[] = [];
    const seen = new Set<string>();
    const add = (id: string, ownedBy: string) => {
      if (!seen.has(id)) {
        seen.add(id);
        out.push({ id, ownedBy });
      }
    };
    for (const [provider, adapter] of this.providers) {
      if (!adapter.isConfigured()) continue;
      const models = [...new Set([adapter.defaultModel, ...adapter.models, ...(adapter.embeddingModels ?? [])])];
      for (const m of models) add(`${provider}/${m}`, provider);
      for (const m of models) if (this.providerOfBareName(m) === provider) add(m, provider);
    }
    for (const [name, alias] of Object.entries(this.aliases)) add(name, alias.model.split('/')[0]!);
    return out;
  }
}

export function notFound(name: string): GatewayError {
  return new GatewayError('MODEL_NOT_FOUND', `The model ${name} does not exist on this gateway: use provider/model (for example openai/gpt-4o-mini), a well-known model name or a configured alias`, {
    details: { field: 'model' },
  });
}
