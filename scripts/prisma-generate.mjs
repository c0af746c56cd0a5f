// `prisma generate` offline: the CLI insists on a schema-engine binary it would
// download; generation itself never runs it, so point it at an existing file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= existsSync('/bin/true') ? '/bin/true' : process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const r = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
