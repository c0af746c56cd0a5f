// Teams, key settings and spend: what the admin routes and GraphQL operations call
// (thin translators both). Changing a key or a team reaches every instance at once through
// the auth service's invalidations.
import type { AuthService, ApiKeyRow, CreatedApiKey, Viewer } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { parseBody, uuid } from '../validators.js';
import { KeyFields, limitColumns, TeamFields, TeamPatchFields } from './policy.js';

export type TeamRow = Awaited<ReturnType<PrismaClient['team']['create']>>;
export type SpendScope = 'key' | 'team' | 'user';

export interface Spend {
  scope: SpendScope;
  id: string;
  /** Key or team name, or username. */
  name: string | null;
  dayUsd: number;
  monthUsd: number;
  totalUsd: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  budgets: { day: number | null; month: number | null; total: number | null };
  /** Spend as a percentage of each budget (null without one), two decimals. */
  budgetUsedPercent: { day: number | null; month: number | null; total: number | null };
}

export class GovernanceAdmin {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly auth: AuthService,
    private readonly config: Pick<Config, 'alertWebhookAllowPrivate'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Columns from snake_case fields (REST body, or GraphQL arguments renamed). */
  private columns(fields: Record<string, unknown>) {
    return limitColumns(fields, this.config.alertWebhookAllowPrivate);
  }

  // -------------------------------------------------------------------------
  // Keys

  /** Creates a key with its limits (admins). The key is shown once. */
  async createKey(actor: Viewer, name: string, userId: string | undefined, raw: Record<string, unknown>): Promise<CreatedApiKey> {
    // Unknown fields are refused: a misspelt limit must not leave a key unlimited.
    const f = parseBody(KeyFields.strict(), raw);
    const cols: Record<string, unknown> = this.columns(f);
    if (f.expires_at !== undefined) cols.expiresAt = f.expires_at === null ? null : new Date(f.expires_at);
    if (f.team_id !== undefined) cols.teamId = f.team_id;
    return this.auth.createApiKey(actor, name, userId, cols);
  }

  /** Changes a key's limits, team, expiry or name; absent fields stay, null clears. */
  async updateKey(id: string, raw: Record<string, unknown>): Promise<ApiKeyRow> {
    uuid(id, 'id');
    const { name, ...rest } = raw;
    const f = parseBody(KeyFields.strict(), rest);
    const cols: Record<string, unknown> = this.columns(f);
    if (f.expires_at !== undefined) cols.expiresAt = f.expires_at === null ? null : new Date(f.expires_at);
    if (f.team_id !== undefined) cols.teamId = f.team_id;
    if (name !== undefined) cols.name = parseBody(TeamFields.pick({ name: true }), { name }).name;
    return this.auth.updateApiKey(id, cols);
  }

  /** Admins: every key; anyone else: their own. */
  listKeys(viewer: Viewer) {
    return this.prisma.apiKey.findMany({
      where: viewer.role === 'admin' ? {} : { userId: viewer.userId },
      orderBy: { createdAt: 'desc' },
      include: { user: true },
    });
  }

  // -------------------------------------------------------------------------
  // Teams

  async createTeam(raw: Record<string, unknown>): Promise<TeamRow> {
    const f = parseBody(TeamFields.strict(), raw);
    return this.prisma.team.create({ data: { name: f.name, ...this.columns(f) } }).catch(conflict);
  }

  async updateTeam(id: string, raw: Record<string, unknown>): Promise<TeamRow> {
    uuid(id, 'id');
    const f = parseBody(TeamPatchFields, raw);
    const data: Record<string, unknown> = this.columns(f);
    if (f.name !== undefined) data.name = f.name;
    const team = await this.prisma.team.update({ where: { id }, data }).catch(conflict);
    await this.auth.invalidate({ team: id });
    return team;
  }

  /** Deletes a team; its keys keep working under their own limits only. */
  async deleteTeam(id: string): Promise<TeamRow> {
    uuid(id, 'id');
    const keys = await this.prisma.apiKey.findMany({ where: { teamId: id }, select: { keyHash: true } });
    const team = await this.prisma.team.delete({ where: { id } }).catch(conflict);
    await this.auth.invalidate({ team: id });
    for (const k of keys) await this.auth.invalidate({ apiKey: k.keyHash });
    return team;
  }

  listTeams() {
    return this.prisma.team.findMany({ orderBy: { createdAt: 'asc' } });
  }

  async team(id: string): Promise<TeamRow> {
    const t = await this.prisma.team.findUnique({ where: { id: uuid(id, 'id') } });
    if (!t) throw new GatewayError('NOT_FOUND', 'team not found');
    return t;
  }

  // -------------------------------------------------------------------------
  // Spend

  /**
   * Recorded spend (today, this month, in total; UTC) per key, team or user. A user who is
   * not an admin sees only their own user and keys, and no team.
   */
  async spend(viewer: Viewer, scope: SpendScope, ids?: string[]): Promise<Spend[]> {
    const admin = viewer.role === 'admin';
    if (!admin && scope === 'team') throw new GatewayError('FORBIDDEN', "Only admins may see teams' spend");
    const now = this.now();
    const today = now.toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 7)}-01`;
    if (ids) for (const id of ids) uuid(id, 'id');

    type Named = { id: string; name: string | null; budgets: Spend['budgets'] };
    let named: Named[];
    const budgetsOf = (r: { maxBudgetUsdPerDay: number | null; maxBudgetUsdPerMonth: number | null; maxBudgetUsdTotal: number | null }) =>
      ({ day: r.maxBudgetUsdPerDay, month: r.maxBudgetUsdPerMonth, total: r.maxBudgetUsdTotal });
    if (scope === 'key') {
      const rows = await this.prisma.apiKey.findMany({ where: { ...(admin ? {} : { userId: viewer.userId }), ...(ids ? { id: { in: ids } } : {}) }, orderBy: { createdAt: 'asc' } });
      named = rows.map((r) => ({ id: r.id, name: r.name, budgets: budgetsOf(r) }));
    } else if (scope === 'team') {
      const rows = await this.prisma.team.findMany({ where: ids ? { id: { in: ids } } : {}, orderBy: { createdAt: 'asc' } });
      named = rows.map((r) => ({ id: r.id, name: r.name, budgets: budgetsOf(r) }));
    } else {
      const rows = await this.prisma.user.findMany({ where: { ...(admin ? {} : { id: viewer.userId }), ...(ids ? { id: { in: ids } } : {}) }, orderBy: { createdAt: 'asc' } });
      named = rows.map((r) => ({ id: r.id, name: r.username, budgets: { day: null, month: null, total: null } }));
    }
    if (named.length === 0) return [];
    const idList = named.map((n) => n.id);
    type Row = { id: string; day_usd: number; month_usd: number; total_usd: number; calls: number; input_tokens: number; output_tokens: number };
    // Users' spend has its own roll-up; keys' and teams' share one, told apart by scope.
    const [idColumn, source] = scope === 'user'
      ? [Prisma.raw('user_id'), Prisma.sql`api_call_user_daily WHERE user_id = ANY(${idList}::uuid[])`]
      : [Prisma.raw('scope_id'), Prisma.sql`api_call_spend_daily WHERE scope = ${scope} AND scope_id = ANY(${idList}::uuid[])`];
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT ${idColumn}::text AS id,
             coalesce(sum(cost_usd) FILTER (WHERE day = ${today}::date), 0)::float8 AS day_usd,
             coalesce(sum(cost_usd) FILTER (WHERE day >= ${monthStart}::date), 0)::float8 AS month_usd,
             coalesce(sum(cost_usd), 0)::float8 AS total_usd,
             coalesce(sum(calls), 0)::float8 AS calls,
             coalesce(sum(input_tokens), 0)::float8 AS input_tokens,
             coalesce(sum(output_tokens), 0)::float8 AS output_tokens
      FROM ${source} GROUP BY ${idColumn}`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    return named.map((n) => {
      const r = byId.get(n.id);
      const dayUsd = round(r?.day_usd ?? 0);
      const monthUsd = round(r?.month_usd ?? 0);
      const totalUsd = round(r?.total_usd ?? 0);
      const pct = (spent: number, budget: number | null) => (budget === null ? null : budget === 0 ? (spent > 0 ? 100 : 0) : Math.round((spent / budget) * 10_000) / 100);
      return {
        scope, id: n.id, name: n.name, dayUsd, monthUsd, totalUsd,
        calls: Number(r?.calls ?? 0), inputTokens: Number(r?.input_tokens ?? 0), outputTokens: Number(r?.output_tokens ?? 0),
        budgets: n.budgets,
        budgetUsedPercent: { day: pct(dayUsd, n.budgets.day), month: pct(monthUsd, n.budgets.month), total: pct(totalUsd, n.budgets.total) },
      };
    });
  }
}

const round = (usd: number) => Math.round(usd * 1e10) / 1e10;

function conflict(e: unknown): never {
  const code = (e as { code?: string }).code;
  if (code === 'P2002') throw new GatewayError('CONFLICT', 'a team with this name already exists');
  if (code === 'P2025') throw new GatewayError('NOT_FOUND', 'team not found');
  throw e;
}

/** The JSON of a key as REST answers it (snake_case); never the key itself. */
export function apiKeyJson(k: ApiKeyRow & { user?: { username: string } }) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    user_id: k.userId,
    ...(k.user ? { username: k.user.username } : {}),
    team_id: k.teamId,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
    ...limitsJson(k),
  };
}

export function teamJson(t: TeamRow) {
  return { id: t.id, name: t.name, created_at: t.createdAt.toISOString(), ...limitsJson(t) };
}

function limitsJson(l: ApiKeyRow | TeamRow) {
  return {
    max_budget_usd_per_day: l.maxBudgetUsdPerDay,
    max_budget_usd_per_month: l.maxBudgetUsdPerMonth,
    max_budget_usd_total: l.maxBudgetUsdTotal,
    rpm: l.rpm,
    tpm: l.tpm,
    max_parallel: l.maxParallel,
    allowed_models: l.allowedModels,
    tags: l.tags,
    alert_email: l.alertEmail,
    alert_webhook_url: l.alertWebhookUrl,
  };
}

export function spendJson(s: Spend) {
  return {
    scope: s.scope,
    id: s.id,
    name: s.name,
    day_usd: s.dayUsd,
    month_usd: s.monthUsd,
    total_usd: s.totalUsd,
    calls: s.calls,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    budgets: { day_usd: s.budgets.day, month_usd: s.budgets.month, total_usd: s.budgets.total },
    budget_used_percent: s.budgetUsedPercent,
  };
}
