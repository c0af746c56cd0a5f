// A gateway for the drop-in /v1 tests: every provider pointed at the mock upstream, a model
// alias file, and a gateway API key as a client would use it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from './app.js';
import type { Backend } from './env.js';
import { mockProviderEnv } from './mock-env.js';

export const ALIASES = {
  fast: { model: 'gemini/gemini-2.0-flash', fallback: ['openai/gpt-4o-mini'] },
  smart: { model: 'anthropic/claude-3-5-sonnet-20241022' },
};

export interface CompatGateway {
  mock: MockUpstream;
  t: TestApp;
  /** A gateway API key (aigw_...) of the admin user. */
  apiKey: string;
  stop(): Promise<void>;
}

export async function startCompatGateway(backend: Backend = 'postgres+redis', env: Record<string, string> = {}): Promise<CompatGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-aliases-'));
  const aliases = join(dir, 'aliases.json');
  writeFileSync(aliases, JSON.stringify(ALIASES));
  const mock = await startMockUpstream();
  const t = await startTestApp({ backend, env: mockProviderEnv(mock, { MODEL_ALIASES: aliases, ...env }) });
  const token = await t.adminToken();
  const created = await t.request('POST', '/api/auth/api-keys', { token, body: { name: 'sdk' } });
  if (created.status !== 201) throw new Error(`api key: ${created.status} ${JSON.stringify(created.body)}`);
  return {
    mock,
    t,
    apiKey: created.body.api_key as string,
    async stop() {
      await t.stop();
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
