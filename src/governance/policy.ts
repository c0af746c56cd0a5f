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
  // A trailing dot names the same host ("localhost." is localhost).
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  return isIP(host) !== 0 && isPrivateAddress(host);
}

function isPrivateV4(a: number, b: number): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail as two groups), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * Loopback, private, link-local, shared, unspecified, multicast and reserved addresses,
 * IPv4 as well as IPv6, including IPv6 forms that carry an IPv4 address (mapped
 * ::ffff:7f00:1, compatible ::7f00:1, NAT64 64:ff9b::, 6to4 2002::), which reach it.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (v4) return isPrivateV4(Number(v4[1]), Number(v4[2]));
  const g = ipv6Groups(ip);
  if (!g) return true; // not an address this code understands: not one to call
  const embedded = (hi: number, lo: number) => isPrivateV4(hi >> 8, hi & 0xff) || (hi === 0 && lo === 0);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return true; // ::
  if (zeros(7) && g[7] === 1) return true; // ::1
  if (zeros(5) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6]!, g[7]!); // ::ffff:a.b.c.d, ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b) return embedded(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!); // 6to4
  const first = g[0]!;
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0 || (first & 0xff00) === 0xff00 || first === 0x100;
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
