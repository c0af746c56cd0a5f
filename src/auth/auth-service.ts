// Users, logins, JWTs and long-lived API keys for services.
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.js';
import { databaseUnavailable, GatewayError, isDatabaseUnavailable } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { KeyValueStore, PubSub } from '../kv/types.js';
import type { Logger } from '../logger.js';
import { LoginThrottle } from './login-throttle.js';
import { LookupCache } from './lookup-cache.js';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { WorkQueue } from './work-queue.js';
import { isUuid, uuid } from '../validators.js';
import { EventEmitter } from 'node:events';
import { limitsOf, type AlertTargets, type KeyGovernance, type Limits } from '../governance/policy.js';

export type Role = 'admin' | 'user';

export interface Viewer {
  userId: string;
  username: string;
  role: Role;
  via: 'jwt' | 'api_key';
  apiKeyId?: string;
  /** For API keys: the key's and its team's limits, enforced by the gateway (src/governance/). */
  governance?: KeyGovernance;
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'bearer';
  expiresIn: string;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  /** The key itself: shown once, stored only as a hash. */
  key: string;
  createdAt: Date;
  /** The stored row (limits, team, expiry), to answer them back. */
  row: ApiKeyRow;
}

export type ApiKeyRow = Awaited<ReturnType<PrismaClient['apiKey']['create']>>;

export type AuthConfig = Pick<
  Config,
  | 'jwtExpiresIn'
  | 'jwtExpiresInSeconds'
  | 'adminUsername'
  | 'adminPassword'
  | 'adminPasswordIsDefault'
  | 'authCacheTtlSeconds'
  | 'authCacheStaleSeconds'
  | 'loginMaxFailuresPerUser'
  | 'loginMaxFailuresPerIp'
  | 'loginWindowSeconds'
  | 'loginConcurrency'
  | 'loginQueueMax'
> & { jwtSecret: string };

/** What authentication needs to know of a user, as last read from the database. */
interface UserState {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  /** Tokens issued under another version are refused (disabling bumps it). */
  sessionVersion: number;
}

interface KeyState {
  id: string;
  userId: string;
  revoked: boolean;
  teamId: string | null;
  /** Epoch ms; null: never. */
  expiresAt: number | null;
  limits: Limits & AlertTargets;
}

type TeamState = Limits & AlertTargets;

/** Published on the kv pub/sub so every instance forgets what it cached at once. */
export type Invalidation = { user: string } | { apiKey: string } | { team: string };
const INVALIDATION_CHANNEL = 'auth:invalidate';

const API_KEY_PREFIX = 'aigw_';
/** Longer credentials are none we issued: refused before any work. */
const MAX_CREDENTIAL_LENGTH = 4096;
const MAX_USERNAME_LENGTH = 256;
// bcrypt reads the first 72 bytes; a bound keeps hostile inputs from costing more.
const MAX_PASSWORD_LENGTH = 1024;
/** Entries each in-process cache keeps (tokens, users, API keys). */
const CACHE_MAX = 10_000;

function hashApiKey(key: string) {
  return createHash('sha256').update(key).digest('hex');
}

export class AuthService {
  private readonly lastUsedWrites = new Map<string, number>();
  /** Signature-checked tokens: what they say, until they expire. */
  private readonly verifiedTokens = new Map<string, { userId: string; sessionVersion: number; expiresAt: number }>();
  private readonly users: LookupCache<string, UserState | null>;
  private readonly keys: LookupCache<string, KeyState | null>;
  private readonly teams: LookupCache<string, TeamState | null>;
  /**
   * Emits 'invalidated' with each invalidation applied here, and `{ all: true }` when the
   * pub/sub stops or resumes delivery (everything cached is read again then). Tests wait on it.
   */
  readonly events = new EventEmitter();
  private readonly throttle: LoginThrottle;
  /** Bounds the database lookups and password hashes of concurrent logins. */
  private readonly logins: WorkQueue;
  /** A KeyObject made once: given a string, jsonwebtoken tries to parse it as a public key on every call. */
  private readonly signingKey: KeyObject;
  private invalidations: Promise<(() => void) | null> | null = null;
  private readonly stopWatching: () => void;
  private closed = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: AuthConfig,
    private readonly logger: Logger,
    kv: KeyValueStore,
    private readonly pubsub: PubSub,
  ) {
    this.signingKey = createSecretKey(Buffer.from(config.jwtSecret));
    const cacheOptions = { ttlMs: config.authCacheTtlSeconds * 1000, staleMs: config.authCacheStaleSeconds * 1000, maxEntries: CACHE_MAX };
    this.users = new LookupCache(cacheOptions);
    this.keys = new LookupCache(cacheOptions);
    this.teams = new LookupCache(cacheOptions);
    this.throttle = new LoginThrottle(kv, {
      maxFailuresPerUser: config.loginMaxFailuresPerUser,
      maxFailuresPerIp: config.loginMaxFailuresPerIp,
      windowSeconds: config.loginWindowSeconds,
    });
    this.logins = new WorkQueue(config.loginConcurrency, config.loginQueueMax, 'logins');
    // Invalidations published while delivery was down are lost: read everything again
    // (what was cached still serves if the database is down too).
    this.stopWatching = pubsub.onDeliveryChange((up) => {
      this.users.expireAll();
      this.keys.expireAll();
      this.teams.expireAll();
      this.events.emit('invalidated', { all: true });
      if (up) void this.listen();
    });
  }

  /** Cached users and keys, and how often one answered from the cache because the database failed. */
  stats() {
    return { users: this.users.size, apiKeys: this.keys.size, staleServed: this.users.staleServed + this.keys.staleServed };
  }

  /**
   * Subscribes to invalidations. Resolves true once subscribed, false when that failed or takes
   * longer than waitMs (a Redis down at start: the subscription completes when it is back).
   */
  async listen(waitMs = 2_000): Promise<boolean> {
    if (this.closed) return false;
    this.invalidations ??= this.pubsub.subscribe(INVALIDATION_CHANNEL, (m) => this.forget(m as Invalidation)).catch((e: unknown) => {
      this.invalidations = null; // subscribed again when delivery resumes
      this.logger.warn('auth invalidation subscription failed; cached users and keys expire by age only', { error: (e as Error).message });
      return null;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
    });
    try {
      return (await Promise.race([this.invalidations, late])) !== null;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    const unsubscribe = await this.invalidations;
    unsubscribe?.();
  }

  private forget(m: Invalidation) {
    if (!m || typeof m !== 'object') return;
    if ('user' in m && typeof m.user === 'string') this.users.delete(m.user);
    if ('apiKey' in m && typeof m.apiKey === 'string') this.keys.delete(m.apiKey);
    if ('team' in m && typeof m.team === 'string') this.teams.delete(m.team);
    this.events.emit('invalidated', m);
  }

  /** Forgets here at once, and on every other instance through the pub/sub. */
  async invalidate(m: Invalidation) {
    this.forget(m);
    await this.pubsub.publish(INVALIDATION_CHANNEL, m).catch((e: unknown) => {
      this.logger.warn('auth invalidation not published; other instances notice within the cache TTL', { error: (e as Error).message });
    });
  }

  /** Creates the first admin from ADMIN_USERNAME / ADMIN_PASSWORD when it does not exist yet. */
  async ensureAdmin(): Promise<void> {
    const existing = await this.prisma.user.findUnique({ where: { username: this.config.adminUsername } });
    if (existing) return;
    await this.prisma.user.create({
      data: { username: this.config.adminUsername, passwordHash: await hashPassword(this.config.adminPassword), role: 'admin' },
    }).catch((e: { code?: string }) => {
      if (e.code !== 'P2002') throw e; // another instance created it first
    });
    if (this.config.adminPasswordIsDefault) {
      this.logger.warn('created admin account with the development default password; set ADMIN_PASSWORD', {
        username: this.config.adminUsername,
      });
    }
  }

  /**
   * Exchanges a username and password for a token. Throttled per username and per client
   * address (429); at most loginConcurrency checks run at once and loginQueueMax wait (503).
   */
  async login(username: string, password: string, clientIp = 'unknown'): Promise<LoginResult> {
    if (!username || !password) throw new GatewayError('VALIDATION_ERROR', 'username and password are required');
    if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      throw new GatewayError('VALIDATION_ERROR', `username and password must be at most ${MAX_USERNAME_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);
    }
    // Checked before waiting and again before verifying: the failures of logins that were
    // verified meanwhile count, so parallel guesses overshoot the limit by at most loginConcurrency.
    await this.throttle.check(username, clientIp);
    let user;
    try {
      user = await this.logins.run(async () => {
        await this.throttle.check(username, clientIp);
        const found = await this.prisma.user.findUnique({ where: { username } });
        const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
        if (!found || !ok) {
          await this.throttle.failed(username, clientIp);
          return null;
        }
        await this.throttle.succeeded(username);
        if (needsRehash(found.passwordHash)) await this.rehash(found.id, password);
        return found;
      });
    } catch (e) {
      throw isDatabaseUnavailable(e) ? databaseUnavailable(e) : e;
    }
    if (!user) throw new GatewayError('UNAUTHENTICATED', 'Invalid username or password');
    if (user.disabledAt) throw new GatewayError('FORBIDDEN', 'This account is disabled');
    const accessToken = jwt.sign({ username: user.username, role: user.role, sv: user.sessionVersion }, this.signingKey, {
      algorithm: 'HS256',
      subject: user.id,
      expiresIn: this.config.jwtExpiresInSeconds,
    });
    return { accessToken, tokenType: 'bearer', expiresIn: this.config.jwtExpiresIn };
  }

  /** Replaces a hash made the old way (bcrypt) once the password is known to be right. */
  private async rehash(id: string, password: string) {
    const passwordHash = await hashPassword(password);
    await this.prisma.user.update({ where: { id }, data: { passwordHash } }).catch((e: unknown) => {
      this.logger.warn('password hash not upgraded', { error: (e as Error).message });
    });
  }

  /**
   * Resolves a bearer token or API key to a viewer; null when missing or invalid, or when its
   * user is disabled or gone. Throws DEPENDENCY_UNAVAILABLE (503) when the database is needed
   * and cannot be reached (users and keys seen recently keep working from the cache).
   */
  async authenticate(credential: string | undefined | null): Promise<Viewer | null> {
    if (!credential || credential.length > MAX_CREDENTIAL_LENGTH) return null;
    if (credential.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(credential);
    const token = this.verifyToken(credential);
    if (!token) return null;
    const user = await this.userState(token.userId);
    if (!user || user.disabled || token.sessionVersion !== user.sessionVersion) return null;
    return { userId: user.id, username: user.username, role: user.role, via: 'jwt' };
  }

  /** The token's subject and times when its signature holds and it has not expired. */
  private verifyToken(token: string): { userId: string; sessionVersion: number } | null {
    const now = Date.now();
    const known = this.verifiedTokens.get(token);
    if (known) {
      if (known.expiresAt > now) return known;
      this.verifiedTokens.delete(token);
    }
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, this.signingKey, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    } catch {
      return null;
    }
    // A token that never expires is none this gateway issued.
    if (typeof claims.exp !== 'number' || !isUuid(claims.sub)) return null;
    const verified = { userId: claims.sub, sessionVersion: typeof claims.sv === 'number' ? claims.sv : 0, expiresAt: claims.exp * 1000 };
    this.verifiedTokens.set(token, verified);
    if (this.verifiedTokens.size > CACHE_MAX) this.verifiedTokens.delete(this.verifiedTokens.keys().next().value as string);
    return verified;
  }

  private async authenticateApiKey(key: string): Promise<Viewer | null> {
    const keyHash = hashApiKey(key);
    const row = await this.cached(this.keys, keyHash, async () => {
      const k = await this.prisma.apiKey.findUnique({ where: { keyHash } });
      return k ? { id: k.id, userId: k.userId, revoked: k.revokedAt !== null, teamId: k.teamId, expiresAt: k.expiresAt?.getTime() ?? null, limits: limitsOf(k) } : null;
    });
    if (!row || row.revoked) return null;
    if (row.expiresAt !== null && row.expiresAt <= Date.now()) {
      throw new GatewayError('KEY_EXPIRED', `This API key expired at ${new Date(row.expiresAt).toISOString()}`);
    }
    const user = await this.userState(row.userId);
    if (!user || user.disabled) return null;
    const team = row.teamId ? await this.teamState(row.teamId) : null;
    this.recordKeyUse(row.id);
    return {
      userId: user.id, username: user.username, role: user.role, via: 'api_key', apiKeyId: row.id,
      governance: { keyId: row.id, teamId: team ? row.teamId : null, key: row.limits, team },
    };
  }

  private teamState(id: string): Promise<TeamState | null> {
    return this.cached(this.teams, id, async () => {
      const t = await this.prisma.team.findUnique({ where: { id } });
      return t ? limitsOf(t) : null;
    });
  }

  /** Records use at most once a minute per key, off the request path. */
  private recordKeyUse(id: string) {
    const now = Date.now();
    if (now - (this.lastUsedWrites.get(id) ?? 0) <= 60_000) return;
    if (this.lastUsedWrites.size >= CACHE_MAX) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(id, now);
    this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
  }

  private userState(id: string): Promise<UserState | null> {
    return this.cached(this.users, id, async () => {
      const u = await this.prisma.user.findUnique({
        where: { id },
        select: { id: true, username: true, role: true, disabledAt: true, sessionVersion: true },
      });
      if (!u) return null;
      return {
        id: u.id,
        username: u.username,
        role: u.role,
        disabled: u.disabledAt !== null,
        sessionVersion: u.sessionVersion,
      };
    });
  }

  /** A cached lookup; the database being unreachable (with nothing cached) is a 503. */
  private async cached<V>(cache: LookupCache<string, V>, key: string, load: () => Promise<V>): Promise<V> {
    try {
      return await cache.get(key, load, isDatabaseUnavailable);
    } catch (e) {
      throw isDatabaseUnavailable(e) ? databaseUnavailable(e) : e;
    }
  }

  async createUser(username: string, password: string, role: Role) {
    if (!/^[A-Za-z0-9_.@-]{3,64}$/.test(username)) {
      throw new GatewayError('VALIDATION_ERROR', 'username must be 3-64 characters of letters, digits, _ . @ -');
    }
    if (password.length < 8) throw new GatewayError('VALIDATION_ERROR', 'password must be at least 8 characters');
    try {
      return await this.prisma.user.create({ data: { username, passwordHash: await hashPassword(password), role } });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') throw new GatewayError('CONFLICT', `user ${username} already exists`);
      throw e;
    }
  }

  listUsers() {
    return this.prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
  }

  /**
   * Disables or enables a user (admins only, never oneself). Disabling refuses the user's
   * logins, tokens and API keys on every instance at once; enabling lets the API keys work
   * again, but tokens issued before the disable stay refused (the user signs in again).
   */
  async setUserDisabled(actor: Viewer, id: string, disabled: boolean) {
    this.checkOtherUser(actor, id);
    const user = await this.updateUser(id, disabled ? { disabledAt: new Date(), sessionVersion: { increment: 1 } } : { disabledAt: null });
    await this.invalidate({ user: id });
    return user;
  }

  /** Deletes a user with their API keys (admins only, never oneself); recorded calls are kept without it. */
  async deleteUser(actor: Viewer, id: string) {
    this.checkOtherUser(actor, id);
    try {
      const user = await this.prisma.user.delete({ where: { id } });
      await this.invalidate({ user: id });
      return user;
    } catch (e) {
      if ((e as { code?: string }).code === 'P2025') throw new GatewayError('NOT_FOUND', 'user not found');
      throw e;
    }
  }

  private async updateUser(id: string, data: { disabledAt: Date | null; sessionVersion?: { increment: number } }) {
    try {
      return await this.prisma.user.update({ where: { id }, data });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2025') throw new GatewayError('NOT_FOUND', 'user not found');
      throw e;
    }
  }

  private checkOtherUser(actor: Viewer, id: string) {
    uuid(id, 'id');
    if (id === actor.userId) throw new GatewayError('VALIDATION_ERROR', 'an admin cannot disable or delete their own account');
  }

  /** `governance`: the key's limits, team and expiry as stored columns (src/governance/policy.ts). */
  async createApiKey(owner: Viewer, name: string, forUserId?: string, governance: Record<string, unknown> = {}): Promise<CreatedApiKey> {
    if (!name || name.length > 100) throw new GatewayError('VALIDATION_ERROR', 'name is required (at most 100 characters)');
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const userId = forUserId ?? owner.userId;
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new GatewayError('NOT_FOUND', 'user not found');
    const row = await this.prisma.apiKey.create({
      data: { ...governance, name, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashApiKey(key), userId },
    }).catch(teamNotFound);
    return { id: row.id, name: row.name, prefix: row.prefix, key, createdAt: row.createdAt, row };
  }

  /** Changes a key's limits, team or expiry; every instance reads it again at once (pub/sub). */
  async updateApiKey(id: string, governance: Record<string, unknown>): Promise<ApiKeyRow> {
    const row = await this.prisma.apiKey.update({ where: { id }, data: governance }).catch((e: { code?: string }) => {
      if (e.code === 'P2025') throw new GatewayError('NOT_FOUND', 'API key not found');
      return teamNotFound(e);
    });
    await this.invalidate({ apiKey: row.keyHash });
    return row;
  }

  listApiKeys() {
    return this.prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' }, include: { user: true } });
  }

  /** Revokes a key; every instance refuses it at once (pub/sub), or within the cache TTL if that is down. */
  async revokeApiKey(id: string) {
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!row) throw new GatewayError('NOT_FOUND', 'API key not found');
    const revoked = await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
    await this.invalidate({ apiKey: row.keyHash });
    return revoked;
  }
}

function teamNotFound(e: unknown): never {
  if ((e as { code?: string }).code === 'P2003') throw new GatewayError('NOT_FOUND', 'team not found', { details: { field: 'team_id' } });
  throw e;
}

export function requireViewer(viewer: Viewer | null | undefined): Viewer {
  if (!viewer) throw new GatewayError('UNAUTHENTICATED', 'A valid Bearer token or API key is required');
  return viewer;
}

export function requireAdmin(viewer: Viewer | null | undefined): Viewer {
  const v = requireViewer(viewer);
  if (v.role !== 'admin') throw new GatewayError('FORBIDDEN', 'This operation is for admins only');
  return v;
}

/** The credential from an Authorization: Bearer header or an x-api-key header. */
export function credentialFromHeaders(get: (name: string) => string | null | undefined): string | null {
  const auth = get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return get('x-api-key')?.trim() || null;
}
