import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

// The Prisma CLI downloads its schema engine at every command, which cannot be
// reached offline. `prisma generate` needs no engine, so any existing file will do.
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync('/bin/true') ? '/bin/true' : process.execPath;
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/unused' },
});
