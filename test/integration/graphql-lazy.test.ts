// The GraphQL endpoint (Yoga, the schema, graphql-ws) is loaded by its first request
// (src/server.ts): the first requests over HTTP and WebSocket arriving together share one
// endpoint.
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MeDocument } from '../generated/graphql.js';
import { startTestApp } from '../helpers/app.js';
import { collect, wsClient } from '../helpers/ws.js';

describe('GraphQL endpoint loaded on first use', () => {
  it('serves the first HTTP and WebSocket operations arriving together from one endpoint', async () => {
    const t = await startTestApp({ backend: 'embedded' });
    try {
      const token = await t.adminToken(); // REST: does not need GraphQL
      const ws = wsClient(t.url, token);
      const [overWs, overHttp, overHttpAgain] = await Promise.all([
        collect(ws, { query: print(MeDocument) }),
        t.gql('{ me { username } }', undefined, token),
        t.gql('{ me { username } }', undefined, token),
      ]);
      await ws.dispose();
      expect(overWs.results.map((r) => r.data.me.username)).toEqual(['admin']);
      expect([overHttp.status, overHttp.body.data]).toEqual([200, { me: { username: 'admin' } }]);
      expect([overHttpAgain.status, overHttpAgain.body.data]).toEqual([200, { me: { username: 'admin' } }]);
      const [a, b] = await Promise.all([t.app.graphql(), t.app.graphql()]);
      expect(a).toBe(b);
    } finally {
      await t.stop({ cleanup: true });
    }
  });
});
