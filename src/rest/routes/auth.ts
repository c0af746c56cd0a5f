import { z } from 'zod';
import { clientIp } from '../../auth/client-ip.js';
import { apiKeyName, parseBody, password, username, uuid } from '../../validators.js';
import { STREAM_TOKEN_COOKIE, type Route } from '../router.js';
import { apiKeyJson, spendJson } from '../../governance/admin.js';
import { adminRoutes } from './admin.js';

// Shapes here; the values' rules (src/validators.ts) are the ones GraphQL applies too.
const LoginBody = z.object({ username: z.string(), password: z.string() });
const ApiKeyBody = z.object({ name: z.unknown(), user_id: z.unknown().optional() }).passthrough();
const UserBody = z.object({ username: z.string(), password: z.string(), role: z.enum(['admin', 'user']).default('user') });
const UserPatchBody = z.object({ disabled: z.boolean() }).strict();

function userJson(u: { id: string; username: string; role: string; createdAt: Date; disabledAt: Date | null }) {
  return { id: u.id, username: u.username, role: u.role, created_at: u.createdAt.toISOString(), disabled_at: u.disabledAt?.toISOString() ?? null };
}

export const authRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/auth/login',
    access: 'public',
    async handler({ body, services, req }) {
      const b = parseBody(LoginBody, body);
      const r = await services.auth.login(username(b.username), password(b.password), clientIp(req, services.config.trustProxyHops));
      // EventSource cannot send headers: the same token as a cookie, only for the streaming path,
      // never readable by scripts and never sent cross-site.
      const exp = (JSON.parse(Buffer.from(r.accessToken.split('.')[1]!, 'base64url').toString()) as { exp?: number }).exp;
      const maxAge = exp ? Math.max(0, exp - Math.floor(Date.now() / 1000)) : 3600;
      const cookie = `${STREAM_TOKEN_COOKIE}=${r.accessToken}; Path=/api/ai/stream; Max-Age=${maxAge}; HttpOnly; SameSite=Strict`;
      return { body: { access_token: r.accessToken, token_type: r.tokenType, expires_in: r.expiresIn }, headers: { 'set-cookie': cookie } };
    },
  },
  {
    method: 'GET',
    path: '/api/auth/me',
    access: 'user',
    handler: ({ viewer }) => ({ body: { user_id: viewer!.userId, username: viewer!.username, role: viewer!.role, via: viewer!.via } }),
  },
  {
    method: 'POST',
    path: '/api/auth/users',
    access: 'admin',
    async handler({ body, services }) {
      const b = parseBody(UserBody, body);
      const u = await services.auth.createUser(username(b.username), password(b.password), b.role);
      return { status: 201, body: { id: u.id, username: u.username, role: u.role, created_at: u.createdAt.toISOString() } };
    },
  },
  {
    method: 'GET',
    path: '/api/auth/users',
    access: 'admin',
    async handler({ services }) {
      return { body: { users: (await services.auth.listUsers()).map(userJson) } };
    },
  },
  {
    method: 'PATCH',
    path: '/api/auth/users/:id',
    access: 'admin',
    async handler({ body, params, services, viewer }) {
      const { disabled } = parseBody(UserPatchBody, body);
      return { body: userJson(await services.auth.setUserDisabled(viewer!, params.id!, disabled)) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/auth/users/:id',
    access: 'admin',
    async handler({ params, services, viewer }) {
      const u = await services.auth.deleteUser(viewer!, params.id!);
      return { body: { status: 'success', id: u.id, username: u.username } };
    },
  },
  {
    method: 'POST',
    path: '/api/auth/api-keys',
    access: 'admin',
    async handler({ body, services, viewer }) {
      const { name, user_id, ...governance } = parseBody(ApiKeyBody, body);
      const userId = user_id == null ? undefined : uuid(user_id, 'user_id');
      const k = await services.governanceAdmin.createKey(viewer!, apiKeyName(name), userId, governance);
      // The key's limits answered back; the key itself only here, once.
      return { status: 201, body: { ...apiKeyJson(k.row), api_key: k.key } };
    },
  },
  {
    method: 'GET',
    path: '/api/auth/api-keys',
    // Admins see every key; anyone else their own. Each with its recorded spend.
    access: 'user',
    async handler({ services, viewer }) {
      const keys = await services.governanceAdmin.listKeys(viewer!);
      const spend = new Map((await services.governanceAdmin.spend(viewer!, 'key', keys.map((k) => k.id))).map((s) => [s.id, s]));
      return { body: { api_keys: keys.map((k) => ({ ...apiKeyJson(k), spend: spendJson(spend.get(k.id)!) })) } };
    },
  },
  {
    method: 'DELETE',
    path: '/api/auth/api-keys/:id',
    access: 'admin',
    async handler({ params, services }) {
      const k = await services.auth.revokeApiKey(uuid(params.id, 'id'));
      return { body: { status: 'success', id: k.id, revoked_at: k.revokedAt!.toISOString() } };
    },
  },
  // Teams, key settings and spend (/api/admin, /api/auth/spend).
  ...adminRoutes,
];
