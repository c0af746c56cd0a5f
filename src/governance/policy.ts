// What a key or a team may do: the limits as stored, their validation (one schema for REST
// and GraphQL: REST passes its snake_case body, GraphQL translates its camelCase names) and
// the model allow-list match.
import { isIP } from 'node:net';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { hasControlCharacters } from '../validators.js';

export interface Limits {
  maxBudgetUsdPerDay: number | null;
  maxBudgetUsdPerMonth: number | null;
  maxBudgetUsdTotal: number | null;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
  /** provider/model patterns with `*`; empty: every model. */
  allowedModels: string[];
}

export interface AlertTargets {
  alertEmail: string | null;
  alertWebhookUrl: string | null;
}

/** What the gateway enforces for a request made with an API key (read at authentication). */
export interface KeyGovernance {
  keyId: string;
  teamId: string | null;
  key: Limits & AlertTargets;
  team: (Limits & AlertTargets) | null;
}

export const NO_LIMITS: Limits = {
  maxBudgetUsdPerDay: null, maxBudgetUsdPerMonth: null, maxBudgetUsdTotal: null, rpm: null, tpm: null, maxParallel: null, allowedModels: [],
};

export function limitsOf(row: Limits & Partial<AlertTargets>): Limits & AlertTargets {
  return {
    maxBudgetUsdPerDay: row.maxBudgetUsdPerDay, maxBudgetUsdPerMonth: row.maxBudgetUsdPerMonth, maxBudgetUsdTotal: row.maxBudgetUsdTotal,
    rpm: row.rpm, tpm: row.tpm, maxParallel: row.maxParallel, allowedModels: row.allowedModels,
    alertEmail: row.alertEmail ?? null, alertWebhookUrl: row.alertWebhookUrl ?? null,
  };
}

export function hasUsdBudget(l: Limits | null): boolean {
  return !!l && (l.maxBudgetUsdPerDay !== null || l.maxBudgetUsdPerMonth !== null || l.maxBudgetUsdTotal !== null);
}

// ---------------------------------------------------------------------------
// Input

const MAX_USD = 1e9;
const MAX_PER_MINUTE = 1e9;
const text = (max: number) => z.string().min(1).max(max).refine((s) => !hasControlCharacters(s), 'must not contain control characters');
const usd = z.number().finite().min(0).max(MAX_USD).nullable().optional();
const perMinute = z.number().int().min(1).max(MAX_PER_MINUTE).nullable().optional();
/** provider/model with `*` wildcards; no spaces or control characters. */
const modelPattern = z.string().min(1).max(200).regex(/^[A-Za-z0-9._:@/*+-]+$/, 'must be a model pattern such as openai/* or anthropic/claude-3-5-sonnet*');

/** The limits every key and team can carry (snake_case, as REST spells them). */
export const LimitFields = {
  max_budget_usd_per_day: usd,
  max_budget_usd_per_month: usd,
  max_budget_usd_total: usd,
  rpm: perMinute,
  tpm: perMinute,
  max_parallel: z.number().int().min(1).max(100_000).nullable().optional(),
  allowed_models: z.array(modelPattern).max(100).optional(),
  tags: z.array(text(64)).max(50).optional(),
  alert_email: z.email().max(254).nullable().optional(),
  alert_webhook_url: z.string().max(2000).nullable().optional(),
};

export const KeyFields = z.object({
  ...LimitFields,
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  team_id: z.uuid().nullable().optional(),
});
export type KeyFieldsInput = z.infer<typeof KeyFields>;

export const TeamFields = z.object({ name: text(100), ...LimitFields });
export const TeamPatchFields = z.object({ name: text(100).optional(), ...LimitFields }).strict();
export type TeamFieldsInput = z.infer<typeof TeamPatchFields>;

/** The first problem of `schema` on `raw` as a VALIDATION_ERROR naming the field. */
export function parseFields<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${issue.message}`, { details: { field } });
}

/** The stored columns for the given (validated) fields; absent fields are left out (unchanged). */
export function limitColumns(f: Partial<KeyFieldsInput>, allowPrivateWebhooks: boolean) {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  put('maxBudgetUsdPerDay', f.max_budget_usd_per_day);
  put('maxBudgetUsdPerMonth', f.max_budget_usd_per_month);
  put('maxBudgetUsdTotal', f.max_budget_usd_total);
  put('rpm', f.rpm);
  put('tpm', f.tpm);
  put('maxParallel', f.max_parallel);
  put('allowedModels', f.allowed_models);
  put('tags', f.tags);
  put('alertEmail', f.alert_email);
  if (f.alert_webhook_url !== undefined) out.alertWebhookUrl = f.alert_webhook_url === null ? null : webhookUrl(f.alert_webhook_url, allowPrivateWebhooks);
  return out;
}

/**
 * A webhook URL: http or https, no credentials in it. Loopback, private and link-local
 * addresses are refused unless ALERT_WEBHOOK_ALLOW_PRIVATE=true, so a key's owner cannot
 * make the gateway call its own network (names are checked again when resolved, at send).
 */
export function webhookUrl(raw: string, allowPrivate = false): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw fieldError('alert_webhook_url', 'must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw fieldError('alert_webhook_url', 'must be an http(s) URL');
  if (u.username || u.password) throw fieldError('alert_webhook_url', 'must not carry credentials');
  if (!allowPrivate && isPrivateHost(u.hostname)) throw fieldError('alert_webhook_url', 'must not point to a loopback, private or link-local address');
  return u.toString();
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  return isIP(host) !== 0 && isPrivateAddress(host);
}

export function isPrivateAddress(ip: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(ip);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = ip.toLowerCase();
  return v6 === '::' || v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe8') || v6.startsWith('fe9') || v6.startsWith('fea') || v6.startsWith('feb');
}

function fieldError(field: string, message: string) {
  return new GatewayError('VALIDATION_ERROR', `${field}: ${message}`, { details: { field } });
}

// ---------------------------------------------------------------------------
// Model allow-list

/** Whether provider/model matches one of the patterns (`*` matches any run of characters); none: all. */
export function modelAllowed(patterns: string[], provider: string, model: string): boolean {
  if (patterns.length === 0) return true;
  const full = `${provider}/${model}`;
  return patterns.some((p) => globMatch(p, full));
}

function globMatch(pattern: string, value: string): boolean {
  // Linear matching of `*` globs (no regular expression built from input).
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  if (!value.startsWith(parts[0]!) || !value.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = value.length - parts[parts.length - 1]!.length;
  if (end < at) return false;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = value.indexOf(parts[i]!, at);
    if (found < 0 || found + parts[i]!.length > end) return false;
    at = found + parts[i]!.length;
  }
  return true;
}
