// `npm start`: parse the environment, build the app, listen, shut down gracefully.
import { ConfigError, environmentWithDotenv, loadConfig } from './config.js';
import { DataDirInUseError } from './db/data-dir-lock.js';
import { createLogger } from './logger.js';
import { installProcessGuards } from './process-guards.js';
import { buildApp, type App } from './server.js';
import { StartupError } from './startup-error.js';
import { countTokens } from './optimize/tokenizer.js';

let config;
try {
  config = loadConfig(environmentWithDotenv());
} catch (e) {
  if (e instanceof ConfigError) {
    for (const p of e.problems) console.error(`Invalid configuration: ${p}`);
    process.exit(1);
  }
  throw e;
}

const logger = createLogger(config.logLevel);
const startedAt = performance.now();
// The BPE tables (every completion counts tokens) load now rather than on the first request.
countTokens('warm up');
let app: App | undefined;
let port: number;
try {
  app = await buildApp(config, logger);
  port = await app.start();
} catch (e) {
  await app?.stop().catch(() => {});
  if (!(e instanceof StartupError || e instanceof DataDirInUseError)) throw e;
  console.error(e.message);
  process.exit(1);
}
installProcessGuards({ logger, registry: app.services.analytics.metrics.registry }); // see src/process-guards.ts
logger.info('gateway listening', {
  url: `http://localhost:${port}`,
  database: app.services.db.backend,
  kv: app.services.kv.kind,
  startup_ms: Math.round(performance.now() - startedAt),
});
if (config.jwtSecretIsGenerated) logger.warn('JWT_SECRET is not set: tokens are signed with a random secret generated for this database and kept in it; set JWT_SECRET to choose your own');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    app!.stop().then(
      () => process.exit(0),
      (e) => {
        logger.error('shutdown failed', { error: e });
        process.exit(1);
      },
    );
  });
}
