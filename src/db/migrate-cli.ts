// `npm run db:migrate`: applies prisma/migrations to the configured database and exits.
import { environmentWithDotenv, loadConfig, ConfigError } from '../config.js';
import { openDatabase } from './database.js';

try {
  const config = loadConfig(environmentWithDotenv());
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const { applied, alreadyApplied } = db.migrations;
  console.log(`${db.backend}: applied ${applied.length} migration(s)${applied.length ? ` (${applied.join(', ')})` : ''}; ${alreadyApplied.length} already applied`);
  await db.close();
} catch (e) {
  console.error(e instanceof ConfigError ? `Invalid configuration:\n${e.message}` : `Migration failed: ${(e as Error).message}`);
  process.exit(1);
}
