// Every provider the gateway knows. Adding one = its folder (info.ts, index.ts) + one line here.
//
// An SDK takes a noticeable share of start-up time and memory, and most deployments use one or
// two providers: each adapter module (and so its SDK) is imported on the adapter's first call.
// What the gateway reads about a provider before that (name, models, limits, whether it is
// configured) comes from its info.ts.

import type { CallOptions, ChatRequest, ProviderAdapter, ProviderFactory, StreamEvent } from './types.js';
import { UpstreamError } from './types.js';
import { describeProvider, type ProviderInfo } from './shared.js';
import { createLocalProvider } from './local/index.js';
import { INFO as local } from './local/info.js';
import { INFO as openai } from './openai/info.js';
import { INFO as anthropic } from './anthropic/info.js';
import { INFO as gemini } from './gemini/info.js';
import { INFO as cohere } from './cohere/info.js';
import { INFO as huggingface } from './huggingface/info.js';
import { INFO as ollama } from './ollama/info.js';

/** What each provider states about itself; the config reads its settings and defaults from here. */
export const PROVIDER_INFOS = { local, openai, anthropic, gemini, cohere, huggingface, ollama } satisfies Record<string, ProviderInfo>;

export const providerFactories = {
  local: createLocalProvider,
  openai: onFirstCall(openai, async () => (await import('./openai/index.js')).createOpenAIProvider),
  anthropic: onFirstCall(anthropic, async () => (await import('./anthropic/index.js')).createAnthropicProvider),
  gemini: onFirstCall(gemini, async () => (await import('./gemini/index.js')).createGeminiProvider),
  cohere: onFirstCall(cohere, async () => (await import('./cohere/index.js')).createCohereProvider),
  huggingface: onFirstCall(huggingface, async () => (await import('./huggingface/index.js')).createHuggingFaceProvider),
  ollama: onFirstCall(ollama, async () => (await import('./ollama/index.js')).createOllamaProvider),
} satisfies Record<keyof typeof PROVIDER_INFOS, ProviderFactory>;

export type ProviderName = keyof typeof providerFactories;
/** In the order a default is chosen: the first provider with a key. */
export const PROVIDER_NAMES = Object.keys(PROVIDER_INFOS) as ProviderName[];

let adaptersLoaded = false;

/** Closes the upstream connection pools, which exist only once an adapter has been loaded. */
export async function closeProviderConnections(): Promise<void> {
  if (!adaptersLoaded) return;
  const { closeUpstreamConnections } = await import('./upstream-fetch.js');
  await closeUpstreamConnections();
}

/**
 * A factory whose adapters describe themselves from `info` at once and import the real
 * adapter (`load`) on their first call; calls after that go straight to it.
 */
export function onFirstCall(info: ProviderInfo, load: () => Promise<ProviderFactory>): ProviderFactory {
  return (settings) => {
    const { description } = describeProvider(info, settings);
    let adapter: ProviderAdapter | undefined;
    let loading: Promise<ProviderAdapter> | undefined;
    const real = () =>
      (loading ??= load().then((factory) => {
        adaptersLoaded = true;
        adapter = factory(settings);
        return adapter;
      }));
    async function* streamOnceLoaded(request: ChatRequest, options: CallOptions): AsyncGenerator<StreamEvent> {
      yield* (await real()).stream(request, options);
    }
    return {
      ...description,
      chat: (request, options) => (adapter ? adapter.chat(request, options) : real().then((a) => a.chat(request, options))),
      stream: (request, options) => (adapter ? adapter.stream(request, options) : streamOnceLoaded(request, options)),
      health: (options) => (adapter ? adapter.health(options) : real().then((a) => a.health(options))),
      ready: async () => {
        if (!adapter) await real();
      },
      // Whether the provider embeds is known once its adapter is loaded; EMBEDDINGS_PROVIDER only
      // accepts providers that do.
      embed: async (texts, options, model) => {
        const a = adapter ?? (await real());
        if (!a.embed) throw new UpstreamError('http', `${info.name} has no embeddings API`, 400);
        return a.embed(texts, options, model);
      },
    };
  };
}
