// Teams, key settings and spend under /api/admin (admins), and the caller's own spend.
// Thin: the rules are in src/governance/.
import { z } from 'zod';
import { apiKeyJson, spendJson, teamJson, type SpendScope } from '../../governance/admin.js';
import { GatewayError } from '../../errors.js';
import { uuid } from '../../validators.js';
import type { Route } from '../router.js';

const SPEND_SCOPES = new Set<SpendScope>(['key', 'team', 'user']);
const MAX_IDS = 1000;

function spendQuery(query: URLSearchParams): { scope: SpendScope; ids?: string[] } {
  const by = query.get('group_by') ?? 'key';
  if (!SPEND_SCOPES.has(by as SpendScope)) throw new GatewayError('VALIDATION_ERROR', 'group_by: must be key, team or user', { details: { field: 'group_by' } });
  const raw = query.get('ids');
  if (raw === null) return { scope: by as SpendScope };
  const ids = raw.split(',').filter(Boolean);
  if (ids.length > MAX_IDS) throw new GatewayError('VALIDATION_ERROR', `ids: at most ${MAX_IDS}`, { details: { field: 'ids' } });
  return { scope: by as SpendScope, ids: ids.map((id) => uuid(id, 'ids')) };
}

const object = z.record(z.string(), z.unknown());
const asObject = (body: unknown): Record<string, unknown> => {
  const r = object.safeParse(body ?? {});
  if (!r.success) throw new GatewayError('VALIDATION_ERROR', 'body: must be a JSON object', { details: { field: 'body' } });
  return r.data;
};

/** The spend report of /api/admin/spend and /api/ai/analytics/spend (the service limits what a user sees). */
const spendReport: Route['handler'] = async ({ query, services, viewer }) => {
  const { scope, ids } = spendQuery(query);
  return { body: { group_by: scope, spend: (await services.governanceAdmin.spend(viewer!, scope, ids)).map(spendJson) } };
};

export const adminRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/admin/teams',
    access: 'admin',
    async handler({ body, services }) {
      return { status: 201, body: teamJson(await services.governanceAdmin.createTeam(asObject(body))) };
    },
  },
  {
    method: 'GET',
    path: '/api/admin/teams',
    access: 'admin',
    async handler({ services, viewer }) {
      const teams = await services.governanceAdmin.listTeams();
      const spend = new Map((await services.governanceAdmin.spend(viewer!, 'team', teams.map((t) => t.id))).map((s) => [s.id, s]));
      return { body: { teams: teams.map((t) => ({ ...teamJson(t), spend: spendJson(spend.get(t.id)!) })) } };
    },
  },
  {
    method: 'GET',
    path: '/api/admin/teams/:id',
    access: 'admin',
    async handler({ params, services, viewer }) {
      const t = await services.governanceAdmin.team(params.id!);
      const [spend] = await services.governanceAdmin.spend(viewer!, 'team', [t.id]);
      return { body: { ...teamJson(t), spend: spendJson(spend!) } };
    },
  },
  {
    method: 'PATCH',
    path: '/api/admin/teams/:id',
    access: 'admin',
    async handler({ params, body, services }) {
      return { body: teamJson(await services.governanceAdmin.updateTeam(params.id!, asObject(body))) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/admin/teams/:id',
    access: 'admin',
    async handler({ params, services }) {
      const t = await services.governanceAdmin.deleteTeam(params.id!);
      return { body: { status: 'success', id: t.id } };
    },
  },
  {
    method: 'PATCH',
    path: '/api/admin/api-keys/:id',
    access: 'admin',
    async handler({ params, body, services }) {
      return { body: apiKeyJson(await services.governanceAdmin.updateKey(params.id!, asObject(body))) };
    },
  },
  {
    method: 'GET',
    path: '/api/admin/spend',
    access: 'admin',
    handler: spendReport,
  },
  {
    // The analytics view of the same figures: admins everyone's, users their own user and keys.
    method: 'GET',
    path: '/api/ai/analytics/spend',
    access: 'user',
    handler: spendReport,
  },
  {
    method: 'GET',
    path: '/api/auth/spend',
    access: 'user',
    async handler({ services, viewer }) {
      const [user] = await services.governanceAdmin.spend({ ...viewer!, role: 'user' }, 'user');
      const keys = await services.governanceAdmin.spend({ ...viewer!, role: 'user' }, 'key');
      return { body: { user: spendJson(user!), api_keys: keys.map(spendJson) } };
    },
  },
];
