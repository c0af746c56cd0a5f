// The JWT signing secret when JWT_SECRET is unset: generated once per database and kept in
// it, so restarts keep sessions and every instance sharing the database accepts the others'
// tokens. The embedded database lives in DATA_DIR, so there it is one secret per data folder.
import { randomBytes } from 'node:crypto';
import type { SqlRunner } from '../db/sql-runner.js';

const KEY = 'jwt_secret';

/** The stored secret, created by whichever instance gets there first. */
export async function loadOrCreateJwtSecret(sql: SqlRunner): Promise<string> {
  const candidate = randomBytes(48).toString('base64url');
  await sql.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [KEY, candidate]);
  const rows = await sql.query<{ value: string }>('SELECT value FROM gateway_settings WHERE key = $1', [KEY]);
  const secret = rows[0]?.value;
  if (!secret) throw new Error('the generated JWT secret could not be stored');
  return secret;
}
