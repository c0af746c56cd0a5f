// Teams, key limits and spend in GraphQL: the same services as the REST routes under
// /api/admin; arguments are renamed to the REST fields and validated there.
import { requireAdmin, requireViewer } from '../auth/auth-service.js';
import type { Spend, SpendScope } from '../governance/admin.js';
import { uuid } from '../validators.js';
import { builder } from './builder.js';
import type { GraphQLContext } from '../context.js';

const LIMIT_FIELDS: Record<string, string> = {
  maxBudgetUsdPerDay: 'max_budget_usd_per_day',
  maxBudgetUsdPerMonth: 'max_budget_usd_per_month',
  maxBudgetUsdTotal: 'max_budget_usd_total',
  rpm: 'rpm',
  tpm: 'tpm',
  maxParallel: 'max_parallel',
  allowedModels: 'allowed_models',
  tags: 'tags',
  alertEmail: 'alert_email',
  alertWebhookUrl: 'alert_webhook_url',
  expiresAt: 'expires_at',
  teamId: 'team_id',
  name: 'name',
};

/** GraphQL's names to the REST fields the validation speaks (absent stays absent, null stays null). */
export function restFields(input: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input ?? {})) {
    if (v === undefined) continue;
    out[LIMIT_FIELDS[k] ?? k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/**
 * The spend of many keys or teams of one request in one query: every `spend` field asked for
 * in the same tick is collected, then read together (a list of keys is not a query per key).
 */
const spendBatches = new WeakMap<object, Map<SpendScope, { ids: Set<string>; result: Promise<Map<string, Spend>> }>>();
function spendOf(ctx: GraphQLContext, scope: SpendScope, id: string): Promise<Spend | undefined> {
  let perRequest = spendBatches.get(ctx);
  if (!perRequest) spendBatches.set(ctx, (perRequest = new Map()));
  let batch = perRequest.get(scope);
  if (!batch) {
    const ids = new Set<string>();
    const viewer = scope === 'team' ? requireAdmin(ctx.viewer) : requireViewer(ctx.viewer);
    const result = new Promise<void>((resolve) => process.nextTick(resolve)).then(async () => {
      perRequest.delete(scope);
      const rows = await ctx.services.governanceAdmin.spend(viewer, scope, [...ids]);
      return new Map(rows.map((r) => [r.id, r]));
    });
    batch = { ids, result };
    perRequest.set(scope, batch);
  }
  batch.ids.add(id);
  return batch.result.then((m) => m.get(id));
}

const limitInputFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  maxBudgetUsdPerDay: t.float({ description: 'USD per UTC day; null: none' }),
  maxBudgetUsdPerMonth: t.float({ description: 'USD per UTC month' }),
  maxBudgetUsdTotal: t.float({ description: 'USD in total' }),
  rpm: t.int({ description: 'Requests per minute' }),
  tpm: t.int({ description: 'Tokens (input + output) per minute' }),
  maxParallel: t.int({ description: 'Concurrent requests' }),
  allowedModels: t.stringList({ description: 'provider/model patterns with *, e.g. openai/* (empty: all)' }),
  tags: t.stringList(),
  alertEmail: t.string({ description: 'Budget alerts at 80% and 100% by e-mail' }),
  alertWebhookUrl: t.string({ description: 'Budget alerts POSTed as JSON to this http(s) URL' }),
});

export const ApiKeyLimitsInput = builder.inputType('ApiKeyLimitsInput', {
  fields: (t) => ({
    ...limitInputFields(t),
    expiresAt: t.field({ type: 'DateTime', description: 'The key is refused (401 KEY_EXPIRED) from then on' }),
    teamId: t.id({ description: 'The team whose limits the key shares' }),
  }),
});

const TeamInput = builder.inputType('TeamInput', {
  fields: (t) => ({ name: t.string(), ...limitInputFields(t) }),
});

builder.prismaObject('Team', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    maxBudgetUsdPerDay: t.exposeFloat('maxBudgetUsdPerDay', { nullable: true }),
    maxBudgetUsdPerMonth: t.exposeFloat('maxBudgetUsdPerMonth', { nullable: true }),
    maxBudgetUsdTotal: t.exposeFloat('maxBudgetUsdTotal', { nullable: true }),
    rpm: t.exposeInt('rpm', { nullable: true }),
    tpm: t.exposeInt('tpm', { nullable: true }),
    maxParallel: t.exposeInt('maxParallel', { nullable: true }),
    allowedModels: t.exposeStringList('allowedModels'),
    tags: t.exposeStringList('tags'),
    alertEmail: t.exposeString('alertEmail', { nullable: true }),
    alertWebhookUrl: t.exposeString('alertWebhookUrl', { nullable: true }),
    spend: t.field({
      type: SpendRef,
      resolve: async (team, _, ctx) => (await spendOf(ctx, 'team', team.id))!,
    }),
  }),
});

builder.prismaObjectFields('ApiKey', (t) => ({
  teamId: t.exposeID('teamId', { nullable: true }),
  team: t.relation('team', { nullable: true }),
  expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
  maxBudgetUsdPerDay: t.exposeFloat('maxBudgetUsdPerDay', { nullable: true }),
  maxBudgetUsdPerMonth: t.exposeFloat('maxBudgetUsdPerMonth', { nullable: true }),
  maxBudgetUsdTotal: t.exposeFloat('maxBudgetUsdTotal', { nullable: true }),
  rpm: t.exposeInt('rpm', { nullable: true }),
  tpm: t.exposeInt('tpm', { nullable: true }),
  maxParallel: t.exposeInt('maxParallel', { nullable: true }),
  allowedModels: t.exposeStringList('allowedModels'),
  tags: t.exposeStringList('tags'),
  alertEmail: t.exposeString('alertEmail', { nullable: true }),
  alertWebhookUrl: t.exposeString('alertWebhookUrl', { nullable: true }),
  spend: t.field({
    type: SpendRef,
    resolve: async (key, _, ctx) => (await spendOf(ctx, 'key', key.id))!,
  }),
}));

const SpendScopeEnum = builder.enumType('SpendScope', { values: ['key', 'team', 'user'] as const });

const BudgetsRef = builder.objectRef<{ day: number | null; month: number | null; total: number | null }>('SpendBudgets').implement({
  fields: (t) => ({
    day: t.exposeFloat('day', { nullable: true }),
    month: t.exposeFloat('month', { nullable: true }),
    total: t.exposeFloat('total', { nullable: true }),
  }),
});

const SpendRef = builder.objectRef<Spend>('Spend').implement({
  description: 'Recorded spend of a key, team or user (UTC day, month, total)',
  fields: (t) => ({
    scope: t.expose('scope', { type: SpendScopeEnum }),
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
    dayUsd: t.exposeFloat('dayUsd'),
    monthUsd: t.exposeFloat('monthUsd'),
    totalUsd: t.exposeFloat('totalUsd'),
    calls: t.exposeInt('calls'),
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    budgets: t.field({ type: BudgetsRef, resolve: (s) => s.budgets }),
    budgetUsedPercent: t.field({ type: BudgetsRef, description: 'Spend as a percentage of each budget', resolve: (s) => s.budgetUsedPercent }),
  }),
});

builder.queryField('teams', (t) =>
  t.prismaField({
    type: ['Team'],
    description: 'Every team (admins only).',
    resolve: (query, _, __, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.db.prisma.team.findMany({ ...query, orderBy: { createdAt: 'asc' } });
    },
  }),
);

builder.queryField('myApiKeys', (t) =>
  t.prismaField({
    type: ['ApiKey'],
    description: "The caller's own API keys (never the keys themselves).",
    resolve: (query, _, __, ctx) => {
      const v = requireViewer(ctx.viewer);
      return ctx.services.db.prisma.apiKey.findMany({ ...query, where: { userId: v.userId }, orderBy: { createdAt: 'desc' } });
    },
  }),
);

for (const name of ['spend', 'analyticsSpend'] as const) builder.queryField(name, (t) =>
  t.field({
    type: [SpendRef],
    description: 'Recorded spend per key, team or user. Admins see everyone; users their own user and keys.',
    args: { groupBy: t.arg({ type: SpendScopeEnum, required: true }), ids: t.arg.idList({ required: false }) },
    resolve: (_, args, ctx) =>
      ctx.services.governanceAdmin.spend(requireViewer(ctx.viewer), args.groupBy as SpendScope, args.ids?.map((id) => uuid(String(id), 'ids'))),
  }),
);

builder.mutationField('createTeam', (t) =>
  t.prismaField({
    type: 'Team',
    description: 'Creates a team (admins only).',
    args: { input: t.arg({ type: TeamInput, required: true }) },
    resolve: (_q, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.governanceAdmin.createTeam(restFields(args.input));
    },
  }),
);

builder.mutationField('updateTeam', (t) =>
  t.prismaField({
    type: 'Team',
    description: "Changes a team's name or limits (admins only); every instance applies it at once.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: TeamInput, required: true }) },
    resolve: (_q, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.governanceAdmin.updateTeam(String(args.id), restFields(args.input));
    },
  }),
);

builder.mutationField('deleteTeam', (t) =>
  t.prismaField({
    type: 'Team',
    description: 'Deletes a team (admins only); its keys keep their own limits.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.governanceAdmin.deleteTeam(String(args.id));
    },
  }),
);

builder.mutationField('updateApiKey', (t) =>
  t.prismaField({
    type: 'ApiKey',
    description: "Changes a key's name, limits, team or expiry (admins only); every instance applies it at once.",
    args: { id: t.arg.id({ required: true }), name: t.arg.string({ required: false }), limits: t.arg({ type: ApiKeyLimitsInput, required: false }) },
    resolve: (_q, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      const fields = restFields(args.limits as Record<string, unknown> | null);
      if (args.name != null) fields.name = args.name;
      return ctx.services.governanceAdmin.updateKey(String(args.id), fields);
    },
  }),
);
