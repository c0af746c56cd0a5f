// Last-resort handlers for errors nothing else caught, installed once the gateway
// is serving (start-up failures stay fatal: the configuration or a dependency is wrong).
//
// - An unhandled promise rejection is logged and counted, never fatal. The promise's
//   work is already abandoned; nothing else depends on it.
// - An uncaught exception is logged and counted too, and the gateway keeps serving.
//   Such an exception comes out of one callback (one request's socket, one timer), and
//   what it can leave half-done is bounded: durable state lives in the database and is
//   written in transactions; shared locks and leases in the kv store expire; in-process
//   state is caches and counters rebuilt or expired over time. Exiting instead would
//   drop every other request and stream in flight. A rising count on
//   aigw_unexpected_errors_total is the signal to investigate (or restart).
//
// What is logged is the error's name, message and stack, with anything shaped like a
// credential (bearer tokens, JWTs, API keys, passwords in URLs or query strings) removed.
import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

export type UnexpectedErrorKind = 'unhandled_rejection' | 'uncaught_exception';

export interface ProcessGuardOptions {
  logger: Logger;
  /** Where aigw_unexpected_errors_total{kind} is exposed (the app's /metrics registry). */
  registry?: Registry;
  /** The process (a stand-in in unit tests). */
  target?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

export interface ProcessGuards {
  counts(): Record<UnexpectedErrorKind, number>;
  uninstall(): void;
}

const MAX_MESSAGE_CHARS = 2_000;
const MAX_STACK_LINES = 20;

// Each pattern is linear: no nested or overlapping quantifiers.
const SECRETS: [RegExp, string][] = [
  [/\b(bearer|basic)\s+[^\s"',;]+/gi, '$1 [redacted]'],
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted-jwt]'],
  [/\b(aigw|sk|pk|rk|hf|gsk|xai)[-_][\w-]{8,}/g, '[redacted-key]'],
  [/\bAIza[\w-]{20,}/g, '[redacted-key]'],
  [/\/\/[^\s/@:]+:[^\s/@]*@/g, '//[redacted]@'],
  [/\b(api[-_]?key|key|token|access_token|secret|password|passwd|authorization)=[^\s&"']+/gi, '$1=[redacted]'],
];

/** Text with anything that looks like a credential replaced. */
export function scrubSecrets(text: string): string {
  let out = text.length > MAX_MESSAGE_CHARS * 4 ? text.slice(0, MAX_MESSAGE_CHARS * 4) : text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/** A log-safe description of whatever was thrown or rejected. */
export function describeUnexpected(e: unknown): Record<string, unknown> {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      name: e.name,
      message: scrubSecrets(e.message).slice(0, MAX_MESSAGE_CHARS),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      stack: e.stack ? scrubSecrets(e.stack.split('\n').slice(0, MAX_STACK_LINES).join('\n')) : undefined,
    };
  }
  let text: string;
  try {
    text = typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  } catch {
    text = Object.prototype.toString.call(e);
  }
  return { value: scrubSecrets(text).slice(0, MAX_MESSAGE_CHARS) };
}

export function installProcessGuards({ logger, registry, target = process }: ProcessGuardOptions): ProcessGuards {
  const counts: Record<UnexpectedErrorKind, number> = { unhandled_rejection: 0, uncaught_exception: 0 };
  const counter = registry
    ? new Counter({
        name: 'aigw_unexpected_errors_total',
        help: 'Errors nothing handled (unhandled promise rejections, uncaught exceptions); logged, never fatal',
        labelNames: ['kind'],
        registers: [registry],
      })
    : null;
  for (const kind of Object.keys(counts) as UnexpectedErrorKind[]) counter?.inc({ kind }, 0);

  const record = (kind: UnexpectedErrorKind, e: unknown) => {
    counts[kind]++;
    counter?.inc({ kind });
    try {
      logger.error(kind === 'unhandled_rejection' ? 'unhandled promise rejection (ignored)' : 'uncaught exception (the gateway keeps serving)', {
        kind,
        error: describeUnexpected(e),
      });
    } catch {
      // a failing logger must not turn a logged error into a crash
    }
  };
  const onRejection = (reason: unknown) => record('unhandled_rejection', reason);
  const onException = (error: unknown) => record('uncaught_exception', error);
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    counts: () => ({ ...counts }),
    uninstall() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
      if (registry) registry.removeSingleMetric('aigw_unexpected_errors_total');
    },
  };
}
