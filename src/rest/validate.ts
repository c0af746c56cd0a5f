import type { z } from 'zod';
import { GatewayError } from '../errors.js';

/** Validates a JSON body; the first problem becomes a VALIDATION_ERROR naming the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${issue.message}`, { details: { field } });
}
