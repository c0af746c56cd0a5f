// A gateway for the drop-in /v1 tests: every provider pointed at the mock upstream, a model
// alias file, and a gateway API key as a client would use it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from './app.js';
import { QUESTION } from './chat-features.js';
import type { Backend } from './env.js';
import { mockProviderEnv } from './mock-env.js';

export { PNG, QUESTION } from './chat-features.js';

/** What the mock derives for get_weather from QUESTION. */
export const WEATHER_ARGS = { city: QUESTION.slice(0, 40), days: QUESTION.split(' ').length };
export const RESULT = '{"temp_c":21,"sky":"clear"}';

/** Every provider through the mock, by provider/model. */
export const MODELS: Record<string, string> = {
  openai: 'openai/gpt-4o-mini',
  anthropic: 'anthropic/claude-3-5-sonnet-20241022',
  gemini: 'gemini/gemini-2.0-flash',
  cohere: 'cohere/command-r',
  huggingface: 'huggingface/meta-llama/Llama-3.1-8B-Instruct',
  ollama: 'ollama/llama3.1',
};

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
