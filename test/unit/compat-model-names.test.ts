// Model names of the drop-in /v1 APIs: provider/model, bare names by the prefixes each
// provider declares, aliases from MODEL_ALIASES, and the file's checks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelAliases, ModelNames } from '../../src/compat/model-names.js';
import { PROVIDER_NAMES } from '../../src/providers/registry.js';
import { providerFactories } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/types.js';

const adapters = new Map<string, ProviderAdapter>(Object.entries(providerFactories).map(([name, make]) => [name, make(name === 'ollama' || name === 'local' ? {} : { apiKey: 'k' })]));
const names = new ModelNames(adapters, { fast: { model: 'gemini/gemini-2.0-flash', fallback: ['openai/gpt-4o-mini', 'cohere'] } });

describe('model names', () => {
  it('routes provider/model, bare well-known names and aliases', () => {
    expect(names.resolve('anthropic/claude-3-5-sonnet-20241022')).toEqual({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', requested: 'anthropic/claude-3-5-sonnet-20241022' });
    expect(names.resolve('huggingface/meta-llama/Llama-3.1-8B-Instruct')).toMatchObject({ provider: 'huggingface', model: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(names.resolve('ollama/llama3.1:8b')).toMatchObject({ provider: 'ollama', model: 'llama3.1:8b' });
    const bare = ['gpt-4o-mini', 'o3-mini', 'chatgpt-4o-latest', 'text-embedding-3-small', 'claude-3-5-haiku-latest', 'gemini-2.5-pro', 'command-r-plus', 'local-sim'];
    expect(bare.map((m) => names.resolve(m).provider)).toEqual(['openai', 'openai', 'openai', 'openai', 'anthropic', 'gemini', 'cohere', 'local']);
    expect(names.resolve('fast')).toEqual({ provider: 'gemini', model: 'gemini-2.0-flash', fallback: ['openai/gpt-4o-mini', 'cohere'], requested: 'fast' });
  });

  it('answers 404 model_not_found for what nothing knows, 400 for no model', () => {
    for (const m of ['llama3.1', 'mystery', 'nosuch/model', 'openai/', '/gpt-4o', 'toString', '__proto__']) {
      let err: { code?: string; status?: number } | undefined;
      try {
        names.resolve(m);
      } catch (e) {
        err = e as typeof err;
      }
      expect([m, err?.code, err?.status]).toEqual([m, 'MODEL_NOT_FOUND', 404]);
    }
    expect(() => names.resolve(undefined)).toThrow('model: is required');
    expect(() => names.resolve(42)).toThrow('model: is required');
  });

  it('lists configured providers only, without duplicates', () => {
    const unconfigured = new ModelNames(new Map([['openai', providerFactories.openai({})], ['local', providerFactories.local({})]]), {});
    const ids = unconfigured.list().map((m) => m.id);
    expect(ids).toEqual(['local/local-sim', 'local/local-embed', 'local-sim', 'local-embed']);
  });
});

describe('MODEL_ALIASES file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliases-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const p = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(p, text);
    return p;
  };

  it('says in one line what is wrong', () => {
    expect(loadModelAliases(join(dir, 'missing.json'), PROVIDER_NAMES)).toBe('cannot be read (ENOENT)');
    expect(loadModelAliases(file('{not json'), PROVIDER_NAMES)).toBe('is not valid JSON');
    expect(loadModelAliases(file('{"fast": {"model": "gemini-2.0-flash"}}'), PROVIDER_NAMES)).toBe('fast.model: must be provider/model');
    expect(loadModelAliases(file('{"fast": {"model": "acme/x"}}'), PROVIDER_NAMES)).toBe(`fast: acme/x names no provider (known: ${PROVIDER_NAMES.join(', ')})`);
    expect(loadModelAliases(file('{"fast": {"model": "gemini/x", "fallback": ["acme"]}}'), PROVIDER_NAMES)).toMatch(/^fast: acme names no provider/);
    expect(loadModelAliases(file('{"fast": {"model": "gemini/x", "extra": 1}}'), PROVIDER_NAMES)).toMatch(/^fast: /);
    expect(loadModelAliases(file('{"a/b": {"model": "gemini/x"}}'), PROVIDER_NAMES)).toMatch(/^a\/b: alias names are/);
    expect(loadModelAliases(file('[]'), PROVIDER_NAMES)).toMatch(/^the file: /);
  });

  it('reads a good file', () => {
    expect(loadModelAliases(file('{"fast": {"model": "gemini/gemini-2.0-flash", "fallback": ["openai/gpt-4o-mini"]}}'), PROVIDER_NAMES)).toEqual({
      fast: { model: 'gemini/gemini-2.0-flash', fallback: ['openai/gpt-4o-mini'] },
    });
  });
});
