// Streaming sessions: a request stored in the shared kv layer so that an
// EventSource (which can only GET) on any instance can consume it by id.
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { KeyValueStore } from '../kv/types.js';
import type { RawCompletionInput } from './completion-input.js';

export interface StreamSession {
  id: string;
  userId: string | null;
  input: RawCompletionInput;
  chunkSize: number;
  createdAt: string;
}

/** Typical time to first token per provider (the guide's table), plus a per-token rate, for the estimate only. */
const FIRST_TOKEN_MS: Record<string, number> = { gemini: 500, openai: 1000, anthropic: 800, cohere: 700, huggingface: 2000, ollama: 500 };
const MS_PER_TOKEN = 15;
const DEFAULT_TOKENS = 256;
const SESSION_TTL_SECONDS = 600;

export class StreamSessions {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly config: Pick<Config, 'localLatencyMs' | 'localTokensPerSecond' | 'defaultProvider'>,
  ) {}

  expectedDurationMs(input: RawCompletionInput): number {
    const provider = input.provider ?? this.config.defaultProvider;
    const tokens = input.maxTokens ?? DEFAULT_TOKENS;
    if (provider === 'local') {
      const rate = this.config.localTokensPerSecond;
      return Math.round(this.config.localLatencyMs + (rate > 0 ? (Math.min(tokens, 64) * 1000) / rate : 0));
    }
    return (FIRST_TOKEN_MS[provider] ?? 1000) + tokens * MS_PER_TOKEN;
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
