// Enforcement of key and team limits: before an upstream call the gateway reserves the
// call's worst case (one request; input tokens counted by the tokenizer plus max_tokens, or
// the model's output limit; their cost at the model's price) against every limit of the key
// and its team, in one atomic step of the shared kv layer (a Lua script on Redis). After the
// call the reservation is settled to the real tokens and cost, and the concurrent-request
// slot is given back. Concurrent requests from any number of instances therefore pass a
// budget by at most what the reservations in flight under-estimated (nothing when the
// provider bills no more than max_tokens).
//
// Redis down: each instance enforces its share of every limit on its own (limit /
// GATEWAY_INSTANCES, at least 1 request/token; budgets start from the spend recorded in the
// database divided the same way), never unlimited and never an error.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { MemoryStore } from '../kv/memory.js';
import type { KeyValueStore, LimitedCounter } from '../kv/types.js';
import type { Logger } from '../logger.js';
import { countTokens } from '../optimize/tokenizer.js';
import type { Pricing } from '../pricing/pricing.js';
import { textOf } from '../providers/shared.js';
import type { ChatRequest } from '../providers/types.js';
import { hasUsdBudget, modelAllowed, type AlertTargets, type KeyGovernance, type Limits } from './policy.js';

/** A chain step as the gateway prepared it. */
interface Step {
  provider: string;
  request: ChatRequest;
}

/** What the rate-limit headers say, written by the reservation on the caller's context. */
export interface RateLimitState {
  requests?: { limit: number; remaining: number; resetSeconds: number };
  tokens?: { limit: number; remaining: number; resetSeconds: number };
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** USD; null when the price is unknown (counted 0: such a call is only allowed without a USD budget). */
  costUsd: number | null;
}

export interface Reservation {
  /** Adjusts the counters to what the call really used and frees its concurrency slot. */
  settle(usage: Usage): Promise<void>;
  /** The call used nothing (it failed before the provider billed): undoes the reservation. */
  release(): Promise<void>;
}

/** Refusals of the key's limits: no provider was called, so no call is recorded. */
export const GOVERNANCE_REFUSALS: ReadonlySet<string> = new Set(['TOKEN_LIMITED', 'CONCURRENCY_LIMITED', 'BUDGET_EXCEEDED', 'MODEL_NOT_ALLOWED', 'PRICE_UNKNOWN']);

const NOOP: Reservation = { settle: async () => {}, release: async () => {} };

/** USD are counted in integer nano-dollars (1e-9 USD), exact in Redis and in Lua. */
export const NANO = 1e9;
const toNano = (usd: number) => Math.round(usd * NANO);

type Kind = 'rpm' | 'tpm' | 'par' | 'day' | 'month' | 'total';
type ScopeKind = 'key' | 'team';

interface CounterMeta {
  scope: ScopeKind;
  scopeId: string;
  kind: Kind;
  limit: number;
  counter: LimitedCounter;
  /** UTC day or month the counter covers (budgets). */
  period?: string;
}

export interface BudgetCrossing {
  scope: ScopeKind;
  scopeId: string;
  /** "day:2026-12-07", "month:2026-12" or "total". */
  period: string;
  budgetUsd: number;
  spendUsd: number;
}

export type GovernanceConfig = Pick<Config, 'requestTimeoutMs' | 'gatewayInstances'>;

export class Governance {
  /** Where limits are counted while the shared kv layer is unreachable (this instance's share). */
  private readonly local = new MemoryStore(100_000);
  private warnedFallback = 0;
  /** Told after each settle which budgets a key or team has used (alerts). */
  onSpend: ((scope: ScopeKind, scopeId: string, limits: Limits & Partial<AlertTargets>, spend: { day: number; month: number; total: number }) => void) | null = null;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly prisma: PrismaClient,
    private readonly pricing: Pricing,
    private readonly maxOutputTokens: (provider: string, model: string) => number,
    private readonly config: GovernanceConfig,
    private readonly logger: Logger,
    /** The clock of the minute windows and budget periods (tests pin it so a window cannot roll over mid-test). */
    public now: () => number = Date.now,
  ) {}

  /**
   * The chain a key may use: the first step refused (403 MODEL_NOT_ALLOWED, or PRICE_UNKNOWN
   * when a USD budget applies and the model has no price), fallbacks that may not be used
   * left out.
   */
  allowedChain<S extends { provider: string; model: string }>(g: KeyGovernance | undefined, chain: S[]): S[] {
    if (!g) return chain;
    const usd = hasUsdBudget(g.key) || hasUsdBudget(g.team);
    const problem = (s: S): GatewayError | null => {
      const model = s.model;
      for (const [scope, l] of [['key', g.key], ['team', g.team]] as const) {
        if (l && !modelAllowed(l.allowedModels, s.provider, model)) {
          return new GatewayError('MODEL_NOT_ALLOWED', `This API key's ${scope} may not use ${s.provider}/${model}; allowed: ${l.allowedModels.join(', ')}`, {
            details: { scope, provider: s.provider, model, allowed_models: l.allowedModels },
          });
        }
      }
      // A budget in USD cannot be checked without a price: refused rather than counted as free.
      if (usd && this.pricing.priceOf(s.provider, model) === null) {
        return new GatewayError('PRICE_UNKNOWN', `No price is known for ${s.provider}/${model}, so this key's USD budget cannot be enforced; add it to PRICING_FILE`, {
          details: { provider: s.provider, model },
        });
      }
      return null;
    };
    const first = problem(chain[0]!);
    if (first) throw first;
    return chain.filter((s, i) => i === 0 || problem(s) === null);
  }

  /**
   * Reserves the worst case of the call against the key's and team's limits, or throws the
   * refusal (429 RATE_LIMITED, TOKEN_LIMITED, CONCURRENCY_LIMITED, BUDGET_EXCEEDED with
   * Retry-After where waiting helps). `state` receives the x-ratelimit-* values.
   */
  async reserve(g: KeyGovernance | undefined, chain: Step[], state?: RateLimitState): Promise<Reservation> {
    if (!g || !limited(g.key) && !(g.team && limited(g.team))) return NOOP;
    const first = chain[0]!.request;
    const inputTokens = first.messages.reduce((n, m) => n + countTokens(textOf(m.content), first.model), 0);
    let worstTokens = 0;
    let worstUsd = 0;
    for (const s of chain) {
      const out = s.request.maxTokens ?? this.maxOutputTokens(s.provider, s.request.model);
      worstTokens = Math.max(worstTokens, inputTokens + out);
      worstUsd = Math.max(worstUsd, this.pricing.cost({ provider: s.provider, model: s.request.model, inputTokens, outputTokens: out }) ?? 0);
    }
    return this.reserveWorst(g, worstTokens, worstUsd, state);
  }

  /** Reserves `worstTokens` and `worstUsd` (and one request, one concurrent slot) for the key and its team. */
  async reserveWorst(g: KeyGovernance | undefined, worstTokens: number, worstUsd: number, state?: RateLimitState): Promise<Reservation> {
    if (!g) return NOOP;
    const scopes: [ScopeKind, string, Limits][] = [['key', g.keyId, g.key]];
    if (g.team && g.teamId) scopes.push(['team', g.teamId, g.team]);
    if (!scopes.some(([, , l]) => limited(l))) return NOOP;

    const now = this.now();
    const metas: CounterMeta[] = [];
    const slot = randomUUID();
    for (const [scope, id, l] of scopes) metas.push(...this.counters(scope, id, l, now, worstTokens, toNano(worstUsd), slot));
    if (metas.length === 0) return NOOP;

    let store: KeyValueStore = this.kv;
    let effective = metas;
    let outcome;
    try {
      outcome = await this.run(this.kv, metas, 1);
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      store = this.local;
      const share = Math.max(1, this.config.gatewayInstances);
      if (now - this.warnedFallback > 60_000) {
        this.warnedFallback = now;
        this.logger.warn("shared limits unavailable; enforcing this instance's share of each key and team limit", { instances: share, error: (e as Error).message });
      }
      effective = metas.map((m) => shareOf(m, share));
      outcome = await this.run(this.local, effective, share);
    }
    if (state) writeState(state, effective.map((m, i) => ({ kind: m.kind, limit: m.limit, value: outcome[i]! })), now);
    return this.reservation(store, effective, worstTokens, toNano(worstUsd), scopes);
  }

  /** The counters of one key or team for this call (only those with a limit). */
  private counters(scope: ScopeKind, id: string, l: Limits, now: number, tokens: number, nanoUsd: number, slot: string): CounterMeta[] {
    const out: CounterMeta[] = [];
    const base = `gov:${scope}:${id}`;
    const minute = Math.floor(now / 60_000);
    const day = new Date(now).toISOString().slice(0, 10);
    const month = day.slice(0, 7);
    const add = (kind: Kind, limit: number | null, counter: Omit<LimitedCounter, 'limit'>, period?: string) => {
      if (limit === null) return;
      out.push({ scope, scopeId: id, kind, limit, counter: { ...counter, limit }, period });
    };
    add('rpm', l.rpm, { key: `${base}:rpm:${minute}`, by: 1, ttlSeconds: 120 });
    add('tpm', l.tpm, { key: `${base}:tpm:${minute}`, by: tokens, ttlSeconds: 120 });
    // One slot per call, ending by itself after twice the request timeout and a minute: a slot a
    // crashed instance never gave back does not hold the key's concurrency for ever.
    add('par', l.maxParallel, { key: `${base}:par`, by: 1, ttlSeconds: Math.ceil(this.config.requestTimeoutMs / 1000) * 2 + 60, slot });
    const budget = (kind: 'day' | 'month' | 'total', usd: number | null, key: string, ttlSeconds: number, period: string) =>
      add(kind, usd === null ? null : toNano(usd), { key, by: nanoUsd, ttlSeconds, requireSeed: true }, period);
    budget('day', l.maxBudgetUsdPerDay, `${base}:usd:d:${day}`, 2 * 86_400, `day:${day}`);
    budget('month', l.maxBudgetUsdPerMonth, `${base}:usd:m:${month}`, 32 * 86_400, `month:${month}`);
    budget('total', l.maxBudgetUsdTotal, `${base}:usd:t`, 0, 'total');
    return out;
  }

  /** Runs the atomic step, seeding budget counters from the recorded spend when they are new. */
  private async run(store: KeyValueStore, metas: CounterMeta[], share: number): Promise<number[]> {
    const counters = metas.map((m) => ({ ...m.counter }));
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = store === this.local ? this.local.incrWithinLimitsNow(counters) : await store.incrWithinLimits(counters);
      if (r.ok) return r.values;
      if ('missing' in r) {
        for (const i of r.missing) counters[i]!.seed = Math.round((await this.recordedNano(metas[i]!)) / share);
        continue;
      }
      throw refusal(metas[r.index]!, r.value, this.now());
    }
    throw new GatewayError('SERVICE_UNAVAILABLE', 'Budget counters could not be initialised; retry', { retryAfter: 1 });
  }

  /** What the database recorded for the budget's period, in nano-USD. */
  private async recordedNano(m: CounterMeta): Promise<number> {
    const [from, to] = periodDays(m.period!);
    try {
      const rows = await this.prisma.$queryRaw<{ usd: number | null }[]>`
        SELECT sum(cost_usd)::float8 AS usd FROM api_call_spend_daily
        WHERE scope = ${m.scope} AND scope_id = ${m.scopeId}::uuid AND day >= ${from}::date AND day < ${to}::date`;
      return toNano(rows[0]?.usd ?? 0);
    } catch (e) {
      // A day's or month's counter is missing at the start of the period, when nothing was
      // spent in it yet: 0 lets keys keep working through a database outage then. A missing
      // total (Redis lost its data) cannot be guessed: refused until the database answers.
      if (m.kind === 'day' || m.kind === 'month') {
        this.logger.warn('recorded spend unavailable; a new budget period starts from 0', { scope: m.scope, period: m.period, error: (e as Error).message });
        return 0;
      }
      throw new GatewayError('DEPENDENCY_UNAVAILABLE', 'The recorded spend of this key cannot be read (database unavailable); retry shortly', {
        retryAfter: 5, details: { dependency: 'database' }, cause: e,
      });
    }
  }

  private reservation(store: KeyValueStore, metas: CounterMeta[], tokens: number, nanoUsd: number, scopes: [ScopeKind, string, Limits][]): Reservation {
    let done = false;
    const adjust = async (usage: Usage | null) => {
      if (done) return;
      done = true;
      const realTokens = usage ? usage.inputTokens + usage.outputTokens : 0;
      const realNano = usage ? toNano(usage.costUsd ?? 0) : 0;
      const changes = metas.flatMap((m) => {
        const c = m.counter;
        if (m.kind === 'par') return [{ key: c.key, by: -1, ttlSeconds: c.ttlSeconds, slot: c.slot }];
        if (m.kind === 'tpm' && realTokens !== tokens) return [{ key: c.key, by: realTokens - tokens, ttlSeconds: c.ttlSeconds }];
        if ((m.kind === 'day' || m.kind === 'month' || m.kind === 'total') && realNano !== nanoUsd) return [{ key: c.key, by: realNano - nanoUsd, ttlSeconds: c.ttlSeconds }];
        return [];
      });
      // Budget counters read back for alerts even when nothing changed.
      const budgets = metas.filter((m) => m.kind === 'day' || m.kind === 'month' || m.kind === 'total');
      for (const m of budgets) if (!changes.some((c) => c.key === m.counter.key)) changes.push({ key: m.counter.key, by: 0, ttlSeconds: m.counter.ttlSeconds });
      let values: number[];
      try {
        values = store === this.local ? await this.local.incrMany(changes) : await store.incrMany(changes);
      } catch (e) {
        // The reservation stays counted until its window or ttl ends: safe, never unlimited.
        this.logger.warn('reservation not settled; it counts until its window ends', { error: (e as Error).message });
        return;
      }
      if (!usage || !this.onSpend) return;
      for (const [scope, id, l] of scopes) {
        if (!hasUsdBudget(l)) continue;
        const spend = { day: NaN, month: NaN, total: NaN };
        changes.forEach((c, i) => {
          const m = metas.find((x) => x.counter.key === c.key && x.scope === scope && x.scopeId === id);
          if (m && (m.kind === 'day' || m.kind === 'month' || m.kind === 'total')) spend[m.kind] = values[i]! / NANO;
        });
        this.onSpend(scope, id, l, spend);
      }
    };
    return { settle: (u) => adjust(u), release: () => adjust(null) };
  }

  /** The x-ratelimit-* values of a key now (without a call), for answers that made none. */
  async state(g: KeyGovernance | undefined): Promise<RateLimitState> {
    const out: RateLimitState = {};
    if (!g) return out;
    const now = this.now();
    const minute = Math.floor(now / 60_000);
    const used: { kind: Kind; limit: number; value: number }[] = [];
    for (const [scope, id, l] of [['key', g.keyId, g.key], ['team', g.teamId, g.team]] as const) {
      if (!l || !id) continue;
      for (const [kind, limit] of [['rpm', l.rpm], ['tpm', l.tpm]] as const) {
        if (limit === null) continue;
        let value = 0;
        try {
          value = Number((await this.kv.get(`gov:${scope}:${id}:${kind}:${minute}`)) ?? 0);
        } catch {
          value = Number((await this.local.get(`gov:${scope}:${id}:${kind}:${minute}`)) ?? 0);
        }
        used.push({ kind, limit, value });
      }
    }
    writeState(out, used, now);
    return out;
  }
}

/** The UTC days a budget period covers: [from, to) as YYYY-MM-DD. */
export function periodDays(period: string): [string, string] {
  const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
  if (period.startsWith('day:')) {
    const [y, mo, d] = period.slice(4).split('-').map(Number) as [number, number, number];
    return [period.slice(4), ymd(Date.UTC(y, mo - 1, d + 1))];
  }
  if (period.startsWith('month:')) {
    const [y, mo] = period.slice(6).split('-').map(Number) as [number, number];
    return [ymd(Date.UTC(y, mo - 1, 1)), ymd(Date.UTC(y, mo, 1))];
  }
  return ['0001-01-01', '9999-12-31'];
}

function limited(l: Limits): boolean {
  return l.rpm !== null || l.tpm !== null || l.maxParallel !== null || hasUsdBudget(l);
}

/** This instance's share of a limit while the shared counters are unreachable. */
function shareOf(m: CounterMeta, instances: number): CounterMeta {
  if (instances <= 1) return m;
  const limit = m.kind === 'day' || m.kind === 'month' || m.kind === 'total' ? Math.floor(m.limit / instances) : Math.max(1, Math.floor(m.limit / instances));
  return { ...m, limit, counter: { ...m.counter, limit } };
}

function writeState(state: RateLimitState, used: { kind: Kind; limit: number; value: number }[], now: number) {
  const resetSeconds = Math.max(1, 60 - Math.floor((now % 60_000) / 1000));
  for (const { kind, limit, value } of used) {
    const field = kind === 'rpm' ? 'requests' : kind === 'tpm' ? 'tokens' : null;
    if (!field) continue;
    const remaining = Math.max(0, limit - value);
    const current = state[field];
    if (!current || remaining < current.remaining) state[field] = { limit, remaining, resetSeconds };
  }
}

/** The refusal for the counter that did not fit. */
function refusal(m: CounterMeta, value: number, now: number): GatewayError {
  const who = m.scope === 'key' ? 'this API key' : "this API key's team";
  const details: Record<string, unknown> = { scope: m.scope, limit_type: m.kind };
  const secondsToMinute = Math.max(1, 60 - Math.floor((now % 60_000) / 1000));
  const headers: Record<string, string> = {};
  switch (m.kind) {
    case 'rpm':
      Object.assign(details, { limit: m.limit, used: value });
      headers['x-ratelimit-limit-requests'] = String(m.limit);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, m.limit - value));
      return new GatewayError('RATE_LIMITED', `Requests per minute exceeded for ${who} (${m.limit}/min)`, { retryAfter: secondsToMinute, details, headers });
    case 'tpm': {
      Object.assign(details, { limit: m.limit, used: value, requested: m.counter.by });
      headers['x-ratelimit-limit-tokens'] = String(m.limit);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, m.limit - value));
      // A request larger than the whole limit never fits: waiting does not help.
      const fits = m.counter.by <= m.limit;
      return new GatewayError('TOKEN_LIMITED', fits
        ? `Tokens per minute exceeded for ${who} (${m.limit}/min; this request may use ${m.counter.by})`
        : `This request may use ${m.counter.by} tokens, more than the ${m.limit} per minute of ${who}; lower max_tokens`, { ...(fits ? { retryAfter: secondsToMinute } : {}), details, headers });
    }
    case 'par':
      Object.assign(details, { limit: m.limit });
      return new GatewayError('CONCURRENCY_LIMITED', `Too many concurrent requests for ${who} (at most ${m.limit} at once)`, { retryAfter: 1, details });
    default: {
      const budgetUsd = m.limit / NANO;
      Object.assign(details, { period: m.period, budget_usd: budgetUsd, spent_usd: value / NANO, requested_usd: m.counter.by / NANO });
      let retryAfter: number | undefined;
      const d = new Date(now);
      if (m.kind === 'day') retryAfter = Math.ceil((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now) / 1000);
      if (m.kind === 'month') retryAfter = Math.ceil((Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - now) / 1000);
      const label = m.kind === 'total' ? 'total' : m.kind === 'day' ? 'daily' : 'monthly';
      return new GatewayError('BUDGET_EXCEEDED', `The ${label} budget of ${who} ($${budgetUsd}) does not cover this request`, { ...(retryAfter ? { retryAfter } : {}), details });
    }
  }
}
