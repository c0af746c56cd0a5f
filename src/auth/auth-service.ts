// Users, logins, JWTs and long-lived API keys for services.
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { hashPassword, verifyPassword } from './passwords.js';

export type Role = 'admin' | 'user';

export interface Viewer {
  userId: string;
  username: string;
  role: Role;
  via: 'jwt' | 'api_key';
  apiKeyId?: string;
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
}

const API_KEY_PREFIX = 'aigw_';
// bcrypt of a random string: comparing against it keeps unknown-user logins as slow as wrong-password ones.
const DUMMY_HASH = '$2b$10$MB0gljVQc/ECTM0sIh9XyulolchAEMN8FKFIC8g4BYu31bzgrrzEG';

function hashApiKey(key: string) {
  return createHash('sha256').update(key).digest('hex');
}

/** Verified credentials kept in memory so a hot path does not re-verify (HMAC, DB lookup) each call. */
const CREDENTIAL_CACHE_MAX = 10_000;
/** How long an API key lookup is trusted; revocation on another instance takes effect within this. */
const API_KEY_CACHE_MS = 5_000;

export class AuthService {
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly verified = new Map<string, { viewer: Viewer; until: number }>();
  /** A KeyObject made once: given a string, jsonwebtoken tries to parse it as a public key on every call. */
  private readonly signingKey: KeyObject;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: Pick<Config, 'jwtSecret' | 'jwtExpiresIn' | 'adminUsername' | 'adminPassword' | 'adminPasswordIsDefault'>,
    private readonly logger: Logger,
  ) {
    this.signingKey = createSecretKey(Buffer.from(config.jwtSecret));
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

  async login(username: string, password: string): Promise<LoginResult> {
    if (!username || !password) throw new GatewayError('VALIDATION_ERROR', 'username and password are required');
    const user = await this.prisma.user.findUnique({ where: { username } });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new GatewayError('UNAUTHENTICATED', 'Invalid username or password');
    const accessToken = jwt.sign({ username: user.username, role: user.role }, this.signingKey, {
      algorithm: 'HS256',
      subject: user.id,
      expiresIn: this.config.jwtExpiresIn as jwt.SignOptions['expiresIn'],
    });
    return { accessToken, tokenType: 'bearer', expiresIn: this.config.jwtExpiresIn };
  }

  /** Resolves a bearer token or API key to a viewer; null when missing or invalid. */
  async authenticate(credential: string | undefined | null): Promise<Viewer | null> {
    if (!credential) return null;
    const known = this.verified.get(credential);
    if (known && known.until > Date.now()) return known.viewer;
    if (known) this.verified.delete(credential);
    if (credential.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(credential);
    try {
      const claims = jwt.verify(credential, this.signingKey, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (!claims.sub || typeof claims.username !== 'string') return null;
      const viewer: Viewer = { userId: claims.sub, username: claims.username, role: claims.role === 'admin' ? 'admin' : 'user', via: 'jwt' };
      if (claims.exp) this.remember(credential, viewer, claims.exp * 1000);
      return viewer;
    } catch {
      return null;
    }
  }

  private remember(credential: string, viewer: Viewer, until: number) {
    if (this.verified.size >= CREDENTIAL_CACHE_MAX) this.verified.clear();
    this.verified.set(credential, { viewer, until });
  }

  private async authenticateApiKey(key: string): Promise<Viewer | null> {
    const row = await this.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) }, include: { user: true } });
    if (!row || row.revokedAt) return null;
    const now = Date.now();
    // Record use at most once a minute per key, off the request path.
    if (now - (this.lastUsedWrites.get(row.id) ?? 0) > 60_000) {
      this.lastUsedWrites.set(row.id, now);
      this.prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
    }
    const viewer: Viewer = { userId: row.userId, username: row.user.username, role: row.user.role, via: 'api_key', apiKeyId: row.id };
    this.remember(key, viewer, now + API_KEY_CACHE_MS);
    return viewer;
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

  async createApiKey(owner: Viewer, name: string, forUserId?: string): Promise<CreatedApiKey> {
    if (!name || name.length > 100) throw new GatewayError('VALIDATION_ERROR', 'name is required (at most 100 characters)');
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const userId = forUserId ?? owner.userId;
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new GatewayError('NOT_FOUND', 'user not found');
    const row = await this.prisma.apiKey.create({
      data: { name, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashApiKey(key), userId },
    });
    return { id: row.id, name: row.name, prefix: row.prefix, key, createdAt: row.createdAt };
  }

  listApiKeys() {
    return this.prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' }, include: { user: true } });
  }

  async revokeApiKey(id: string) {
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!row) throw new GatewayError('NOT_FOUND', 'API key not found');
    for (const [credential, v] of this.verified) if (v.viewer.apiKeyId === id) this.verified.delete(credential);
    return this.prisma.apiKey.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
  }
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
