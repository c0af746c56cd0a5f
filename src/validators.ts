// Input rules shared by REST and GraphQL: ids are UUIDs, names and filters are
// plain text. Each check throws a VALIDATION_ERROR (400) naming the field as the
// caller spelled it (snake_case on REST, camelCase on GraphQL), so bad input
// never reaches the database, where a NUL byte or a malformed uuid is a 500.
import type { z } from 'zod';
import { GatewayError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * C0 controls, DEL, C1 controls and the bidirectional overrides and isolates: never meaningful
 * in a name, an id or a filter, and the last ones make a name display as another (a key named
 * "admin\u202Egnp.exe" reads "adminexe.png").
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export function invalid(field: string, message: string): GatewayError {
  return new GatewayError('VALIDATION_ERROR', `${field} ${message}`, { details: { field } });
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** An id: a UUID, whatever entry point it came through. */
export function uuid(value: unknown, field: string): string {
  if (!isUuid(value)) throw invalid(field, 'must be a UUID');
  return value;
}

/** A name, label or filter value: a string of 1..max characters without control characters. */
export function plainText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw invalid(field, `must be a string of 1 to ${max} characters`);
  if (hasControlCharacters(value)) throw invalid(field, 'must not contain control characters');
  return value;
}

/**
 * A secret typed by a person (a password): any characters but NUL, which C
 * bcrypt implementations treat as the end of the password and PostgreSQL cannot store.
 */
export function secretText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw invalid(field, `must be a string of 1 to ${max} characters`);
  if (value.includes('\u0000')) throw invalid(field, 'must not contain NUL characters');
  return value;
}

// The account fields, the same on every entry point (the auth service adds its own rules on top).
export const USERNAME_MAX_CHARS = 256;
export const PASSWORD_MAX_CHARS = 1024;
export const API_KEY_NAME_MAX_CHARS = 100;

export const username = (value: unknown, field = 'username') => plainText(value, field, USERNAME_MAX_CHARS);
export const password = (value: unknown, field = 'password') => secretText(value, field, PASSWORD_MAX_CHARS);
export const apiKeyName = (value: unknown, field = 'name') => plainText(value, field, API_KEY_NAME_MAX_CHARS);

/** Validates a JSON body or a set of fields; the first problem becomes a VALIDATION_ERROR naming the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new GatewayError('VALIDATION_ERROR', `${field}: ${issue.message}`, { details: { field } });
}
