// How an adapter's calls run: whatever the SDK throws becomes the adapter's
// UpstreamError, chat calls are timed, streams are torn down when the consumer stops.
// The same for every provider; what differs is passed in as `fail` and `produce`.

import type { ChatResult, StreamEvent, UpstreamError } from './types.js';
import { abortedError, toUpstreamError, type ErrorContext, type HttpFailure } from './upstream-error.js';
import { elapsedMs } from './shared.js';
import { upstreamFetch } from './upstream-fetch.js';

/** The adapter's mapping of its SDK's errors; `signal` is the caller's. */
export type Fail = (err: unknown, signal: AbortSignal) => UpstreamError;

/** A chat answer as the adapter maps it; latencyMs is added by timedChat. */
export type ChatAnswer = Omit<ChatResult, 'latencyMs'>;

/** What the final `done` event of a stream reports. */
export type StreamEnd = Omit<Extract<StreamEvent, { type: 'done' }>, 'type'>;

/** A StreamEnd to fill in while reading a stream: nothing reported yet, the requested model. */
export function streamEnd(model: string): StreamEnd {
  return { finishReason: null, inputTokens: null, outputTokens: null, model };
}

/** Runs `call`; what it throws is rethrown as fail(err, signal). */
export async function guarded<T>(signal: AbortSignal, fail: Fail, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fail(err, signal);
  }
}

/** A guarded chat call, with latencyMs measured around it. */
export async function timedChat(signal: AbortSignal, fail: Fail, call: () => Promise<ChatAnswer>): Promise<ChatResult> {
  const started = performance.now();
  // The call awaited here, not through guarded: one async frame less held per call in flight.
  let a: ChatAnswer;
  try {
    a = await call();
  } catch (err) {
    throw fail(err, signal);
  }
  // Field by field: the result holds the ChatResult fields only, whatever else the answer object carries.
  return {
    text: a.text,
    toolCalls: a.toolCalls,
    finishReason: a.finishReason,
    inputTokens: a.inputTokens,
    outputTokens: a.outputTokens,
    cachedInputTokens: a.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens,
    model: a.model,
    latencyMs: elapsedMs(started),
  };
}

function isToolCallEvent(v: unknown): v is Extract<StreamEvent, { type: 'tool_call' }> {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'tool_call';
}

/**
 * An AbortController that follows `parent` and can also be aborted on its own:
 * streams abort it when the consumer stops early so the HTTP request is torn down
 * even where the SDK would keep reading.
 */
function linkedAbort(parent: AbortSignal): { signal: AbortSignal; abort(): void; dispose(): void } {
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

/**
 * The stream around an adapter's `produce`, which makes the SDK call with the signal
 * it is given, yields each chunk's text (anything but a non-empty string is skipped)
 * or a `tool_call` event as it is, and returns the StreamEnd. Around it: one `delta`
 * event per text, the tool-call pieces in their place and a final
 * `done`; errors through `fail`; an iteration the SDK ended quietly because the
 * signal fired is still an abort; and when the consumer stops early or anything
 * fails, the request is aborted, even where the SDK would keep reading.
 */
export async function* guardedStream(
  provider: string,
  signal: AbortSignal,
  fail: Fail,
  produce: (signal: AbortSignal) => AsyncGenerator<unknown, StreamEnd>,
): AsyncGenerator<StreamEvent> {
  const link = linkedAbort(signal);
  // Iterated by hand (one generator layer less per chunk than for await over a wrapper that
  // captures the return value); closed by hand below when the consumer stops early.
  const texts = produce(link.signal);
  let finished = false;
  try {
    let r = await texts.next();
    while (!r.done) {
      const text = r.value;
      if (typeof text === 'string') {
        if (text.length > 0) yield { type: 'delta', text };
      } else if (isToolCallEvent(text)) yield text;
      r = await texts.next();
    }
    if (signal.aborted) throw abortedError(provider, signal);
    finished = true;
    link.dispose();
    yield { type: 'done', ...r.value };
  } catch (err) {
    throw fail(err, signal);
  } finally {
    if (!finished) {
      // Closes `produce` (and so the SDK's iterator), then tears the request down.
      await texts.return(undefined as never).catch(() => {});
      link.abort();
    }
    link.dispose();
  }
}

// ---------------------------------------------------------------------------
// Plain HTTP, where the SDK falls short

/**
 * Keeps the last response, for SDKs whose errors drop the headers (Retry-After).
 * fetch(signal): a fetch that records; with `signal`, every request also follows it
 * (for SDKs that take no per-call signal).
 */
export function responseRecorder(send: typeof fetch = upstreamFetch): { fetch(signal?: AbortSignal): typeof fetch; headers(): Headers | undefined } {
  let last: Response | undefined;
  return {
    fetch: (signal) => async (input, init) => {
      const own = init?.signal;
      last = await send(input, signal ? { ...init, signal: own ? AbortSignal.any([own, signal]) : signal } : init);
      return last;
    },
    headers: () => last?.headers,
  };
}

/**
 * A GET that only has to succeed: the health probe where the SDK has no cheap call.
 * A non-2xx answer is an http UpstreamError with what `readError` finds in the body.
 */
export async function probe(
  ctx: ErrorContext & { signal: AbortSignal },
  url: string,
  headers: () => Record<string, string>,
  readError: (body: string, res: Response) => Pick<HttpFailure, 'message' | 'retryAfter'>,
  send: typeof fetch = upstreamFetch,
): Promise<void> {
  try {
    const res = await send(url, { headers: headers(), signal: ctx.signal });
    const body = await res.text();
    if (!res.ok) throw toUpstreamError(ctx, null, { status: res.status, headers: res.headers, ...readError(body, res) });
  } catch (err) {
    throw toUpstreamError(ctx, err);
  }
}
