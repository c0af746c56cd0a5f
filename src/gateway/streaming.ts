// Streaming through the same pipeline as completions: validate, optimize,
// cache (a finished stream is stored with its chunk boundaries and replayed
// chunk by chunk), share identical concurrent streams, route with retries and
// fallback until the first chunk, record real usage. Stopping the iteration
// (client gone) aborts the upstream request.
import type { Config } from '../config.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { CachedCompletion, StreamDelta, ToolCallDelta } from '../cache/response-cache.js';
import type { ChatResult, StreamEvent, ToolCall } from '../providers/types.js';
import { toProviderError } from './provider-router.js';
import type { Caller, CompletionResult, Gateway, PreparedRequest } from './gateway.js';
import type { RawCompletionInput } from './completion-input.js';
import type { StreamHub } from './stream-hub.js';
import type { StreamSlots } from './stream-slots.js';
import type { Reservation } from '../governance/governance.js';

export type StreamPiece =
  | { type: 'chunk'; text: string }
  /** A piece of a tool call: id and name with its first piece, arguments (JSON text) in pieces after. */
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'done'; result: CompletionResult };

/** A stored stream piece as the caller sees it. */
function pieceOf(d: StreamDelta): StreamPiece {
  return typeof d === 'string' ? { type: 'chunk', text: d } : { type: 'tool_call', ...d };
}

/** Puts the streamed tool-call pieces back together, in the order of their indexes. */
export class ToolCallAssembly {
  private readonly calls = new Map<number, ToolCall>();

  add(d: { index: number; id?: string; name?: string; arguments?: string }) {
    let call = this.calls.get(d.index);
    if (!call) {
      call = { id: '', name: '', arguments: '' };
      this.calls.set(d.index, call);
    }
    if (d.id) call.id = d.id;
    if (d.name) call.name = d.name;
    if (d.arguments) call.arguments += d.arguments;
  }

  get list(): ToolCall[] {
    return [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({ ...c }));
  }
}

type Started = { iterator: AsyncIterator<StreamEvent>; first: IteratorResult<StreamEvent> };

export class StreamingService {
  /** Streams read from a provider (the rest replay the cache or share another caller's stream). */
  private readonly fromProvider = new WeakSet<AsyncGenerator<StreamPiece>>();

  constructor(
    private readonly gateway: Gateway,
    private readonly hub: StreamHub,
    readonly slots: StreamSlots,
    private readonly config: Pick<Config, 'enableStreaming'>,
  ) {}

  get enabled() {
    return this.config.enableStreaming;
  }

  /**
   * Validates, takes a stream slot and returns the stream. Errors that happen
   * before the first chunk (validation, limits, provider down) throw here, so
   * callers can still answer them with a status code.
   */
  async open(input: RawCompletionInput, caller: Caller): Promise<AsyncGenerator<StreamPiece> & { readonly cached: boolean }> {
    if (!this.enabled) throw new GatewayError('STREAMING_DISABLED', 'Streaming is disabled on this gateway (ENABLE_STREAMING=false)');
    const p = this.gateway.prepare(input, caller);
    await this.gateway.admit(caller);
    const release = this.slots.acquire(caller.viewer?.userId ?? null);
    try {
      const source = await this.source(p, caller);
      // Known before the first piece, so an answer's headers can say whether it is a cached one.
      return Object.assign(this.guarded(source, release), { cached: !this.fromProvider.has(source) });
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * `source`, releasing the slot once when it ends, fails or is closed. A plain iterator
   * rather than a generator around `yield*`: one promise per piece instead of a generator step.
   */
  private guarded(source: AsyncGenerator<StreamPiece>, release: () => void): AsyncGenerator<StreamPiece> {
    let released = false;
    const once = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    const settle = (p: Promise<IteratorResult<StreamPiece>>) =>
      p.then(
        (r) => {
          if (r.done) once();
          return r;
        },
        (e: unknown) => {
          once();
          throw e;
        },
      );
    const it: AsyncGenerator<StreamPiece> = {
      next: () => settle(source.next()),
      return: (value) => settle(source.return(value)),
      throw: (e) => settle(source.throw(e)),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  private async source(p: PreparedRequest, caller: Caller): Promise<AsyncGenerator<StreamPiece>> {
    const started = performance.now();
    const hit = await this.gateway.cache.get(p.cacheKey, p.policy);
    if (hit) return this.replay(hit.chunks ?? storedPieces(hit), () => this.gateway.finishFromCache(p, hit, caller, started, true));

    const sharing = this.gateway.cache.enabled && p.policy.read !== false;
    if (sharing) {
      const joined = await this.hub.join(p.cacheKey);
      if (joined.role === 'follower') return this.follow(p, caller, started, joined.events);
      return this.lead(p, caller, started, joined.lead);
    }
    return this.lead(p, caller, started, undefined);
  }

  private async *replay(chunks: StreamDelta[], finish: () => CompletionResult): AsyncGenerator<StreamPiece> {
    for (const d of chunks) yield pieceOf(d);
    yield { type: 'done', result: finish() };
  }

  private async *follow(
    p: PreparedRequest,
    caller: Caller,
    started: number,
    events: AsyncIterable<import('./stream-hub.js').HubEvent>,
  ): AsyncGenerator<StreamPiece> {
    for await (const e of events) {
      if (e.type === 'chunk') yield pieceOf(e.piece);
      else if (e.type === 'done') yield { type: 'done', result: this.gateway.finishFromCache(p, e.entry, caller, started, true) };
      else throw new GatewayError('PROVIDER_ERROR', `The shared upstream stream failed: ${e.message}`);
    }
  }

  private async lead(
    p: PreparedRequest,
    caller: Caller,
    started: number,
    lead: import('./stream-hub.js').Leadership | undefined,
  ): Promise<AsyncGenerator<StreamPiece>> {
    let routed;
    // The key's and team's limits: the worst case reserved now, settled when the stream ends.
    const reservation = await this.gateway.governance.reserve(caller.viewer?.governance, p.chain, caller.rateLimit).catch((e: unknown) => {
      lead?.fail(toGatewayError(e).message);
      throw e;
    });
    try {
      routed = await this.gateway.router.run(
        p.chain,
        async (adapter, request, signal): Promise<Started> => {
          const iterator = adapter.stream(request, { signal })[Symbol.asyncIterator]();
          // Retries and fallback apply until the first event: after that the caller has output.
          const first = await iterator.next();
          return { iterator, first };
        },
        { cancel: caller.cancel, deadlineMs: p.deadlineMs },
      );
    } catch (e) {
      const err = toGatewayError(e);
      lead?.fail(err.message);
      this.gateway.recordError(caller, p, err, started, true);
      await reservation.release();
      throw err;
    }
    const pieces = this.pump(p, caller, started, lead, routed.provider, routed.failedOver, routed.value, reservation);
    this.fromProvider.add(pieces);
    return pieces;
  }

  private async *pump(
    p: PreparedRequest,
    caller: Caller,
    started: number,
    lead: import('./stream-hub.js').Leadership | undefined,
    provider: string,
    failedOver: string[],
    { iterator, first }: Started,
    reservation: Reservation,
  ): AsyncGenerator<StreamPiece> {
    const chunks: StreamDelta[] = [];
    const texts: string[] = [];
    const calls = new ToolCallAssembly();
    let finished = false;
    let errored = false;
    try {
      let next = first;
      while (!next.done) {
        const e = next.value;
        if (e.type === 'delta') {
          if (e.text) {
            chunks.push(e.text);
            texts.push(e.text);
            lead?.push(e.text);
            yield { type: 'chunk', text: e.text };
          }
        } else if (e.type === 'tool_call') {
          const d = toolCallDelta(e);
          calls.add(d);
          chunks.push(d);
          lead?.push(d);
          yield { type: 'tool_call', ...d };
        } else {
          const upstream: ChatResult = {
            text: texts.join(''),
            toolCalls: calls.list,
            finishReason: e.finishReason,
            inputTokens: e.inputTokens,
            outputTokens: e.outputTokens,
            cachedInputTokens: e.cachedInputTokens,
            cacheWriteTokens: e.cacheWriteTokens,
            reasoningTokens: e.reasoningTokens,
            model: e.model,
            latencyMs: Math.round(performance.now() - started),
          };
          const result = this.gateway.resultFromUpstream(p, provider, upstream, failedOver);
          const entry = this.gateway.entryFrom(result, chunks);
          // Only a stream that ran to its end is cached, and a fallback's answer is not what the key asked for.
          if (provider === p.provider) await this.gateway.cache.set(p.cacheKey, entry, p.policy);
          finished = true;
          lead?.finish(entry);
          this.gateway.record(caller, p, result, true);
          await reservation.settle({ inputTokens: result.inputTokens, outputTokens: result.outputTokens, costUsd: result.estimatedCost });
          yield { type: 'done', result };
          return;
        }
        next = await iterator.next();
      }
      throw new GatewayError('PROVIDER_ERROR', `${provider} ended the stream without completing it`);
    } catch (e) {
      if (caller.cancel?.aborted) throw new GatewayError('BAD_REQUEST', 'Stream aborted by the client', { status: 499 });
      errored = true;
      const err = toProviderError(provider, e);
      this.gateway.recordError(caller, p, err, started, true);
      throw err;
    } finally {
      if (!finished) {
        // The consumer left mid-stream: the provider still bills what it generated.
        const partial = errored
          ? this.gateway.resultFromUpstream(p, provider, { text: texts.join(''), toolCalls: calls.list, finishReason: null, inputTokens: null, outputTokens: null, model: p.request.model, latencyMs: 0 }, [])
          : this.gateway.recordInterrupted(caller, p, provider, texts.join(''), calls.list, started);
        // What was generated before the end is billed by the provider: counted against the key.
        await reservation.settle({ inputTokens: partial.inputTokens, outputTokens: partial.outputTokens, costUsd: partial.estimatedCost });
        lead?.fail('stream interrupted');
        // Consumer gone or stream failed: tear the upstream request down.
        await iterator.return?.().catch(() => {});
      }
    }
  }
}

/** Only the fields a tool-call piece has (no `type`), as stored and shared. */
function toolCallDelta(e: { index: number; id?: string; name?: string; arguments?: string }): ToolCallDelta {
  const d: ToolCallDelta = { index: e.index };
  if (e.id !== undefined) d.id = e.id;
  if (e.name !== undefined) d.name = e.name;
  if (e.arguments !== undefined) d.arguments = e.arguments;
  return d;
}

/** The pieces of an answer cached by a plain completion, to replay it as a stream. */
function storedPieces(hit: CachedCompletion): StreamDelta[] {
  const pieces: StreamDelta[] = hit.text ? [hit.text] : [];
  (hit.toolCalls ?? []).forEach((c, index) => pieces.push({ index, id: c.id, name: c.name, arguments: c.arguments }));
  return pieces;
}
