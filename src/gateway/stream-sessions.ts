// Streaming sessions: a request stored in the shared kv layer so that an
// EventSource (which can only GET) on any instance can consume it by id.
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { KeyValueStore } from '../kv/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { RawCompletionInput } from './completion-input.js';

export interface StreamSession {
  id: string;
  userId: string | null;
  input: RawCompletionInput;
  chunkSize: number;
  createdAt: string;
}

const DEFAULT_TOKENS = 256;
const SESSION_TTL_SECONDS = 600;

export class StreamSessions {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly config: Pick<Config, 'defaultProvider'>,
    private readonly adapter: (name: string) => Pick<ProviderAdapter, 'expectedDurationMs'> | undefined,
  ) {}

  /** The provider's own estimate of the stream's duration (prepare() has vouched for the provider). */
  expectedDurationMs(input: RawCompletionInput): number {
    return this.adapter(input.provider ?? this.config.defaultProvider)?.expectedDurationMs(input.maxTokens ?? DEFAULT_TOKENS) ?? 0;
  }

  async create(input: RawCompletionInput, chunkSize: number, viewer: Viewer): Promise<StreamSession> {
    const session: StreamSession = { id: randomUUID(), userId: viewer.userId, input, chunkSize, createdAt: new Date().toISOString() };
    try {
      await this.kv.set(`ssn:${session.id}`, JSON.stringify(session), SESSION_TTL_SECONDS);
    } catch {
      throw new GatewayError('SERVICE_UNAVAILABLE', 'Streaming sessions are unavailable while the shared store is down; use POST /api/ai/stream', { retryAfter: 5 });
    }
    return session;
  }

  /** The session, if it exists and belongs to the viewer (admins may read any). */
  async get(id: string, viewer: Viewer): Promise<StreamSession> {
    let raw: string | null;
    try {
      raw = await this.kv.get(`ssn:${id}`);
    } catch {
      throw new GatewayError('SERVICE_UNAVAILABLE', 'Streaming sessions are unavailable while the shared store is down', { retryAfter: 5 });
    }
    const session = raw ? (JSON.parse(raw) as StreamSession) : null;
    if (!session || (session.userId !== viewer.userId && viewer.role !== 'admin')) {
      throw new GatewayError('SESSION_NOT_FOUND', `No streaming session ${id} (sessions expire after ${SESSION_TTL_SECONDS / 60} minutes)`);
    }
    return session;
  }
}
