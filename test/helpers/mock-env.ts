import type { MockUpstream } from '../mock-upstream/server.js';

export const PROVIDER_KEY = 'sk-test-SECRET-gateway-key-42';

/** Environment that points every provider at the mock upstream, with a key each. */
export function mockProviderEnv(mock: MockUpstream, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { MAX_RETRIES: '2', DEFAULT_PROVIDER: 'local' };
  for (const [p, url] of Object.entries(mock.baseUrls)) {
    env[`${p.toUpperCase()}_BASE_URL`] = url;
    if (p !== 'ollama') env[`${p.toUpperCase()}_API_KEY`] = `${PROVIDER_KEY}-${p}`;
  }
  return { ...env, ...extra };
}
