import { requireAdmin, requireViewer, type LoginResult } from '../auth/auth-service.js';
import { apiKeyName, password, username, uuid } from '../validators.js';
import { builder } from './builder.js';
import type { CreatedApiKey as CreatedApiKeyT } from '../auth/auth-service.js';
import { ApiKeyLimitsInput, restFields } from './governance.js';

const Role = builder.enumType('Role', { values: ['admin', 'user'] as const });

builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    role: t.expose('role', { type: Role }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'Set while the account is disabled' }),
  }),
});

const ApiKeyRef = builder.prismaObject('ApiKey', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'First characters of the key, to recognise it' }),
    user: t.relation('user'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const LoginPayload = builder.objectRef<LoginResult>('LoginPayload').implement({
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    tokenType: t.exposeString('tokenType'),
    expiresIn: t.exposeString('expiresIn'),
  }),
});

const CreatedApiKey = builder
  .objectRef<CreatedApiKeyT>('CreatedApiKey')
  .implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      prefix: t.exposeString('prefix'),
      key: t.exposeString('key', { description: 'The key itself. Shown only once; store it now.' }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      apiKey: t.field({ type: ApiKeyRef, description: 'The key as stored: its limits, team and expiry', resolve: (k) => k.row }),
    }),
  });

const Viewer = builder.objectRef<{ userId: string; username: string; role: 'admin' | 'user'; via: string }>('Viewer').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    username: t.exposeString('username'),
    role: t.expose('role', { type: Role }),
    via: t.exposeString('via', { description: 'jwt or api_key' }),
  }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: LoginPayload,
    description: 'Exchanges a username and password for a bearer token (no token needed).',
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => ctx.services.auth.login(username(args.username), password(args.password), ctx.clientIp),
  }),
);

builder.queryField('me', (t) =>
  t.field({ type: Viewer, resolve: (_, __, ctx) => requireViewer(ctx.viewer) }),
);

builder.queryField('apiKeys', (t) =>
  t.prismaField({
    type: ['ApiKey'],
    description: 'Every API key (admins only).',
    resolve: (query, _, __, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.db.prisma.apiKey.findMany({ ...query, orderBy: { createdAt: 'desc' } });
    },
  }),
);

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    description: 'Creates a long-lived API key for a service (admins only).',
    args: { name: t.arg.string({ required: true }), userId: t.arg.id({ required: false }), limits: t.arg({ type: ApiKeyLimitsInput, required: false }) },
    resolve: (_, args, ctx) =>
      ctx.services.governanceAdmin.createKey(
        requireAdmin(ctx.viewer), apiKeyName(args.name), args.userId == null ? undefined : uuid(String(args.userId), 'userId'),
        restFields(args.limits as Record<string, unknown> | null),
      ),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.prismaField({
    type: 'ApiKey',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.auth.revokeApiKey(uuid(String(args.id), 'id'));
    },
  }),
);

builder.mutationField('createUser', (t) =>
  t.prismaField({
    type: 'User',
    description: 'Creates a user (admins only).',
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
      role: t.arg({ type: Role, required: false }),
    },
    resolve: async (_query, _, args, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.auth.createUser(username(args.username), password(args.password), args.role ?? 'user');
    },
  }),
);

builder.queryField('users', (t) =>
  t.prismaField({
    type: ['User'],
    description: 'Every user (admins only).',
    resolve: (query, _, __, ctx) => {
      requireAdmin(ctx.viewer);
      return ctx.services.db.prisma.user.findMany({ ...query, orderBy: { createdAt: 'asc' } });
    },
  }),
);

builder.mutationField('disableUser', (t) =>
  t.prismaField({
    type: 'User',
    description: 'Disables a user (admins only): logins, tokens and API keys are refused at once on every instance.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _, args, ctx) => ctx.services.auth.setUserDisabled(requireAdmin(ctx.viewer), String(args.id), true),
  }),
);

builder.mutationField('enableUser', (t) =>
  t.prismaField({
    type: 'User',
    description: 'Enables a disabled user (admins only); tokens issued before the disable stay refused.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _, args, ctx) => ctx.services.auth.setUserDisabled(requireAdmin(ctx.viewer), String(args.id), false),
  }),
);

builder.mutationField('deleteUser', (t) =>
  t.prismaField({
    type: 'User',
    description: 'Deletes a user and their API keys (admins only); their recorded calls are kept without a user.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _, args, ctx) => ctx.services.auth.deleteUser(requireAdmin(ctx.viewer), String(args.id)),
  }),
);
