// docker-compose.yml and the Dockerfile as the guide describes them: backend,
// PostgreSQL 15 and Redis 7. Where a Docker Compose client exists, it must
// accept the file (no engine is needed for `config`).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

function composeClient(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

describe('deployment files', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));

  it('runs the backend with PostgreSQL 15 and Redis 7', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['backend', 'postgres', 'redis']);
    expect(compose.services.postgres.image).toBe('postgres:15');
    expect(compose.services.redis.image).toBe('redis:7');
    expect(compose.services.backend.build).toBe('.');
    expect(compose.services.backend.ports).toContain('8000:8000');
    expect(compose.services.backend.environment.DATABASE_URL).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
    expect(compose.services.backend.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^FROM node:20/m);
  });

  it('passes every variable of the guide through to the backend', () => {
    for (const v of ['GEMINI_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'COHERE_API_KEY', 'HUGGINGFACE_API_KEY', 'REDIS_CACHE_TTL',
      'ENABLE_OPTIMIZATION', 'ENABLE_CACHING', 'ENABLE_STREAMING', 'AGGRESSIVE_OPTIMIZATION', 'ANALYTICS_ENABLED', 'ALERT_EMAIL']) {
      expect(compose.services.backend.environment, v).toHaveProperty(v);
    }
  });

  const client = composeClient();
  it.skipIf(!client)('is accepted by `docker compose config`', () => {
    const [cmd, ...args] = client!;
    expect(() => execFileSync(cmd!, [...args, 'config', '--quiet'], { stdio: 'pipe' })).not.toThrow();
  });

  it('lists every variable the config module reads in .env.example', () => {
    const example = readFileSync('.env.example', 'utf8');
    const source = readFileSync('src/config.ts', 'utf8');
    const names = new Set<string>();
    for (const m of source.matchAll(/(?:read|bool|int|num|url|oneOf|rateLimit|providerList)\('([A-Z_]+)'/g)) names.add(m[1]!);
    for (const p of ['OPENAI', 'ANTHROPIC', 'GEMINI', 'COHERE', 'HUGGINGFACE', 'OLLAMA']) {
      for (const suffix of ['_BASE_URL', '_MODEL', '_RATE_LIMIT']) names.add(p + suffix);
      if (p !== 'OLLAMA') names.add(`${p}_API_KEY`);
    }
    expect(names.size).toBeGreaterThan(40);
    for (const n of names) expect(example, n).toMatch(new RegExp(`^#? ?${n}=`, 'm'));
  });
});
