// Which database errors mean "unreachable" (503 DEPENDENCY_UNAVAILABLE) rather than a bug (500):
// the shapes Prisma, its pg adapter and node-postgres produce, as seen against a real server.
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, toGatewayError } from '../../src/errors.js';

const prisma = (code: string, cause?: Record<string, unknown>) =>
  Object.assign(new Error('Invalid `prisma.user.findUnique()` invocation'), { code, meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : {} });

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable, closed or saturated database', () => {
    const unavailable = [
      prisma('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }),
      prisma('P2010', { kind: 'DatabaseNotReachable' }),
      prisma('P2039', { originalCode: '55000', kind: 'postgres', code: '55000', severity: 'FATAL', message: 'database "x" is not currently accepting connections' }),
      prisma('P2010', { originalCode: '57P01', kind: 'postgres', code: '57P01', severity: 'FATAL' }),
      prisma('P1003', { kind: 'DatabaseDoesNotExist' }),
      prisma('P2024'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000', severity: 'FATAL' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300', severity: 'FATAL' }),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }),
    ];
    for (const e of unavailable) {
      expect(isDatabaseUnavailable(e), (e as Error).message).toBe(true);
      expect(toGatewayError(e)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', status: 503, retryAfter: 5 });
    }
  });

  it('leaves query errors and bugs alone', () => {
    const others = [
      prisma('P2002'),
      prisma('P2010', { originalCode: '22P02', kind: 'postgres', code: '22P02', severity: 'ERROR', message: 'invalid input syntax for type uuid' }),
      Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }),
      new TypeError('x is not a function'),
      'a string',
      null,
    ];
    for (const e of others) {
      expect(isDatabaseUnavailable(e)).toBe(false);
      expect(toGatewayError(e).code).toBe('INTERNAL');
    }
  });
});
