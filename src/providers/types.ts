// The canonical shapes every provider adapter speaks. The gateway pipeline only
// ever sees these; each adapter maps them to and from its SDK.

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  model: string;
  /** Includes the system message, if any, as a message with role "system". */
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  /** Provider-specific parameters passed through to the SDK call unchanged. */
  extra?: Record<string, unknown>;
}

export interface ChatResult {
  text: string;
  finishReason: string | null;
  /** Token counts as the provider reported them; null when it reported none. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** The model that answered, as the provider named it. */
  model: string;
  latencyMs: number;
}

export type StreamEvent =
  | { type: 'delta'; text: string }
  | {
      type: 'done';
      finishReason: string | null;
      inputTokens: number | null;
      outputTokens: number | null;
      model: string;
    };

export interface CallOptions {
  /** Aborted on timeout or when the client goes away; adapters pass it to the SDK. */
  signal: AbortSignal;
}

export interface ProviderSettings {
  apiKey?: string;
  baseUrl?: string;
  defaultModel?: string;
  /** Local provider only: simulated time to first token, in milliseconds. */
  latencyMs?: number;
  /** Local provider only: simulated generation speed; 0 means as fast as possible. */
  tokensPerSecond?: number;
}

/**
 * A failure talking to the upstream, normalised by the adapter from its SDK's
 * error type. The gateway decides on retries and maps it to a GatewayError.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'http' | 'timeout' | 'network' | 'aborted' | 'malformed',
    message: string,
    readonly status?: number,
    /** Seconds, from a Retry-After header when the upstream sent one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface ProviderAdapter {
  readonly name: string;
  /** Human label; the local provider says plainly that it is simulated. */
  readonly label: string;
  readonly models: string[];
  readonly defaultModel: string;
  readonly maxTokens: number;
  /** False when the API key (or, for Ollama, nothing) is missing: no call is made. */
  isConfigured(): boolean;
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamEvent>;
  /** A cheap reachability probe; resolves when healthy, throws UpstreamError otherwise. */
  health(options: CallOptions): Promise<void>;
  /** Optional embeddings for similarity grouping. */
  embed?(texts: string[], options: CallOptions): Promise<number[][]>;
}

export type ProviderFactory = (settings: ProviderSettings) => ProviderAdapter;
