// Small helpers shared by the adapters: nothing provider-specific lives here.

import type { ChatMessage, ChatRequest, ProviderSettings } from './types.js';

/** System messages joined (most providers take one), and the conversation without them. */
export function splitSystem(messages: ChatMessage[]): { system: string | undefined; rest: ChatMessage[] } {
  const system: string[] = [];
  const rest: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') system.push(m.content);
    else rest.push(m);
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, rest };
}

/** A reported count, or null when the provider reported none. */
export function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

export function baseUrl(settings: ProviderSettings, fallback: string): string {
  return (settings.baseUrl?.trim() || fallback).replace(/\/+$/, '');
}

export function modelOf(request: ChatRequest, fallback: string): string {
  return request.model || fallback;
}

/** Non-empty stop list, or undefined. */
export function stopList(request: ChatRequest): string[] | undefined {
  return request.stop && request.stop.length > 0 ? request.stop : undefined;
}

/**
 * An AbortController that follows `parent` and can also be aborted on its own:
 * streams abort it when the consumer stops early so the HTTP request is torn down
 * even where the SDK would keep reading.
 */
export function linkedAbort(parent: AbortSignal): { signal: AbortSignal; abort(): void; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => parent.removeEventListener('abort', onAbort),
  };
}

/** Milliseconds the SDKs that insist on a timeout get: effectively none (setTimeout's maximum). */
export const NO_TIMEOUT_MS = 2_147_483_647;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
