// The canonical shapes every provider adapter speaks. The gateway pipeline only
// ever sees these; each adapter maps them to and from its SDK.

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** An image, by https URL or by its bytes (a base64 data URL parsed once, at validation). */
export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; source: ImageSource; detail?: 'auto' | 'low' | 'high' };

/** A function call the model asked for; `arguments` is a JSON text, as the providers give it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  /** Text, or parts (text and images). An assistant message that only calls tools has ''. */
  content: string | ContentPart[];
  /** Assistant messages: the tool calls the model made. */
  toolCalls?: ToolCall[];
  /** Tool messages: the call this is the result of. */
  toolCallId?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** A JSON schema (type: object) for the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; description?: string; schema: Record<string, unknown>; strict?: boolean };

/**
 * What a request asks of a provider beyond plain text chat. An adapter lists the ones it
 * translates natively; the gateway refuses a request that needs one the provider lacks
 * (UNSUPPORTED_FEATURE) instead of dropping it.
 */
export type ChatFeature =
  | 'tools'
  | 'tool_choice_required'
  | 'parallel_tool_calls'
  | 'images'
  | 'image_urls'
  | 'json_object'
  | 'json_schema'
  | 'seed'
  | 'penalties'
  | 'user';

export interface ChatRequest {
  model: string;
  /** Includes the system message, if any, as a message with role "system". */
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** The end user, for the provider's abuse monitoring. */
  user?: string;
  /** Generation parameters the provider documents that have no canonical field (see ProviderAdapter.extraParams). */
  extra?: Record<string, unknown>;
}

/** Why generation stopped, in the same words for every provider. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/**
 * Token usage as the provider reported it, normalised: inputTokens counts every input
 * token (cached reads and cache writes included, even where the provider reports them
 * apart, as Anthropic does), outputTokens every output token (reasoning included, even
 * where reported apart, as Gemini's thoughts are). null where the provider reported nothing.
 */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  /** Input tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens; Anthropic's cache_creation). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens?: number;
}

export interface ChatResult extends Usage {
  text: string;
  /** The tool calls the model made, in order (arguments as JSON text). */
  toolCalls?: ToolCall[];
  /** Normalised by the adapter (see FinishReason); as the provider said it where it has no equivalent. */
  finishReason: string | null;
  /** The model that answered, as the provider named it. */
  model: string;
  latencyMs: number;
}

export type StreamEvent =
  | { type: 'delta'; text: string }
  /**
   * A piece of a tool call: the call's index in the answer; id and name come with its first
   * piece, arguments (JSON text) in pieces after. The pipeline assembles the calls.
   */
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | ({
      type: 'done';
      finishReason: string | null;
      model: string;
    } & Usage);

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
  /**
   * The Fetch API the SDKs are given through their public `fetch` option (default: the
   * gateway's upstreamFetch); tests run the adapters on the global fetch too.
   */
  fetch?: typeof fetch;
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
  /** The upstream base URL in use (the configured one or the provider's public API). */
  readonly baseUrl: string;
  /** Human label; the local provider says plainly that it is simulated. */
  readonly label: string;
  readonly models: string[];
  readonly defaultModel: string;
  /** Beginnings of the provider's well-known model names, so a bare name (gpt-4o-mini) finds its provider. */
  readonly modelPrefixes?: readonly string[];
  /** Embedding models it offers through `embed` (listed by /v1/models; none: no embeddings endpoint). */
  readonly embeddingModels?: readonly string[];
  /** The most output tokens a request may ask for, per model (the provider's limit when the model is unknown). */
  maxOutputTokens(model: string): number;
  /** Model names this provider accepts; checked before a name reaches a URL or a body. */
  readonly modelPattern: RegExp;
  /** Keys of `extra` the provider documents for generation; anything else is refused. */
  readonly extraParams: readonly string[];
  /** What it translates beyond text chat. */
  readonly features: ReadonlySet<ChatFeature>;
  /** False when the API key (or, for Ollama, nothing) is missing: no call is made. */
  isConfigured(): boolean;
  /** Roughly how long a stream of `tokens` tokens takes, in ms (a stream session's estimate). */
  expectedDurationMs(tokens: number): number;
  /**
   * Throws UNSUPPORTED_FEATURE (a GatewayError) for a request this provider cannot carry
   * although it declares every feature the request needs: a JSON-schema keyword outside
   * Gemini's subset, an image for a Cohere model without vision. Optional; chat and
   * stream refuse the same requests before calling out, so the gateway may call it first.
   */
  check?(request: ChatRequest): void;
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamEvent>;
  /**
   * Resolves once the adapter's SDK is loaded (adapters load it on first use). The router
   * awaits it before an attempt's timer starts, so loading is never taken for a slow provider.
   */
  ready?(): Promise<void>;
  /** A cheap reachability probe; resolves when healthy, throws UpstreamError otherwise. */
  health(options: CallOptions): Promise<void>;
  /** Optional embeddings (similarity grouping; /v1/embeddings with a model from embeddingModels or its pattern). */
  embed?(texts: string[], options: CallOptions, model?: string): Promise<number[][]>;
}

export type ProviderFactory = (settings: ProviderSettings) => ProviderAdapter;
