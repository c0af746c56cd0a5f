// Prometheus metrics (GET /metrics), on a registry of this app's own so that
// several apps in one process (tests) never share or clash over metrics.
// HTTP requests are observed by the server, under the route pattern the REST
// router names (bounded, unlike raw paths); completions come from the usage
// recorder's onRecord hook, so every recorded call is counted once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallRecord, DropReason, RecorderStats, UsageRecorder } from './recorder.js';

const DROP_REASONS: readonly DropReason[] = ['queue_full', 'spill_full', 'spill_error', 'spill_corrupt', 'dead_letter_failed', 'shutdown'];
const FIXED_ROUTES = new Set(['/health', '/ready', '/metrics', '/graphql']);

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly routes = new WeakMap<IncomingMessage, string>();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly completions: Counter<'provider' | 'status'>;
  private readonly cacheHits: Counter<'provider'>;
  private readonly cacheMisses: Counter<'provider'>;
  private readonly tokens: Counter<'provider' | 'kind'>;
  private readonly tokensSaved: Counter<'provider'>;
  private readonly cost: Counter<'provider'>;
  private readonly completionSeconds: Histogram<'provider' | 'cached'>;
  private readonly stopRecording: () => void;

  constructor(recorder: UsageRecorder, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'aigw_' });
    this.requests = new Counter({ name: 'aigw_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.requestSeconds = new Histogram({
      name: 'aigw_http_request_duration_seconds',
      help: 'HTTP request latency (until the response ends; streams last as long as they stream)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.completions = new Counter({ name: 'aigw_completions_total', help: 'Completions recorded, by provider and status', labelNames: ['provider', 'status'], registers });
    this.cacheHits = new Counter({ name: 'aigw_cache_hits_total', help: 'Completions answered from the response cache', labelNames: ['provider'], registers });
    this.cacheMisses = new Counter({ name: 'aigw_cache_misses_total', help: 'Successful completions answered by the provider (not from the cache)', labelNames: ['provider'], registers });
    this.tokens = new Counter({ name: 'aigw_tokens_total', help: 'Tokens billed by providers (cache hits bill none), by kind input/output', labelNames: ['provider', 'kind'], registers });
    this.tokensSaved = new Counter({ name: 'aigw_tokens_saved_total', help: 'Input tokens removed by prompt optimization', labelNames: ['provider'], registers });
    this.cost = new Counter({ name: 'aigw_cost_usd_total', help: 'Cost in USD charged by providers (calls with an unknown price add nothing)', labelNames: ['provider'], registers });
    this.completionSeconds = new Histogram({
      name: 'aigw_completion_duration_seconds',
      help: 'Completion latency as recorded, by provider and whether it came from the cache',
      labelNames: ['provider', 'cached'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    new Gauge({ name: 'aigw_analytics_queue_length', help: 'Calls waiting in memory to be written to the analytics table', registers, collect() { this.set(recorder.stats().queued); } });
    new Gauge({ name: 'aigw_analytics_spill_bytes', help: 'Bytes of calls waiting on disk in the spill folder', registers, collect() { this.set(recorder.stats().spillBytes); } });
    // Counters fed from the recorder's own totals when scraped.
    const fromStats = <L extends string>(
      name: string,
      help: string,
      label: L | null,
      read: (s: RecorderStats) => number | Partial<Record<string, number>>,
      /** Label values shown (at 0) before anything happened. */
      known: readonly string[] = [],
    ) => {
      const seen = new Map<string, number>();
      const counter = new Counter({
        name,
        help,
        labelNames: label ? [label] : [],
        registers,
        collect() {
          const value = read(recorder.stats());
          const entries = typeof value === 'number' ? [['', value] as const] : Object.entries(value);
          for (const [key, total] of entries) {
            const before = seen.get(key) ?? 0;
            if (total! > before) {
              if (label) this.inc({ [label]: key } as Partial<Record<L, string>>, total! - before);
              else this.inc(total! - before);
            }
            seen.set(key, total!);
          }
        },
      });
      if (label) for (const k of known) counter.inc({ [label]: k } as Partial<Record<L, string>>, 0);
    };
    fromStats('aigw_analytics_dropped_total', 'Calls not stored anywhere, by reason (queue_full, spill_full, spill_error, spill_corrupt, dead_letter_failed, shutdown)', 'reason', (s) => s.droppedByReason, DROP_REASONS);
    fromStats('aigw_analytics_dead_letters_total', 'Calls the database refused for their data, kept in api_call_dead_letters, by SQLSTATE', 'code', (s) => s.deadLettered);
    fromStats('aigw_analytics_sanitized_total', 'Calls with a field corrected before it was stored (control characters, length, numbers, user id), by field', 'field', (s) => s.sanitized);
    fromStats('aigw_analytics_spilled_total', 'Calls written to the spill folder while the database was unavailable', null, (s) => s.spilled);
    fromStats('aigw_analytics_replayed_total', 'Calls read back from the spill folder', null, (s) => s.replayed);
    this.stopRecording = recorder.onRecord((call) => this.observeCall(call));
  }

  /** The route pattern req matched: its label once it is observed. */
  labelRoute(req: IncomingMessage, route: string): void {
    this.routes.set(req, route);
  }

  /** Counts an HTTP request once its response has closed (`started`: performance.now() when it came in). */
  observeRequest(req: IncomingMessage, res: ServerResponse, started: number): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.routes.get(req) ?? (FIXED_ROUTES.has(path) ? path : path.startsWith('/graphql/') ? '/graphql' : 'unmatched');
    const labels = { method: req.method ?? 'GET', route, status: String(res.statusCode) };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, (performance.now() - started) / 1000);
  }

  private observeCall(call: CallRecord): void {
    const provider = call.provider;
    this.completions.inc({ provider, status: call.status });
    if (call.status !== 'success') return;
    if (call.cached) this.cacheHits.inc({ provider });
    else {
      this.cacheMisses.inc({ provider });
      this.tokens.inc({ provider, kind: 'input' }, call.inputTokens);
      this.tokens.inc({ provider, kind: 'output' }, call.outputTokens);
    }
    if (call.tokensSaved > 0) this.tokensSaved.inc({ provider }, call.tokensSaved);
    if (call.costUsd) this.cost.inc({ provider }, call.costUsd);
    this.completionSeconds.observe({ provider, cached: String(call.cached) }, call.latencyMs / 1000);
  }

  async respond(res: ServerResponse): Promise<void> {
    const body = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  close(): void {
    this.stopRecording();
    this.registry.clear();
  }
}
