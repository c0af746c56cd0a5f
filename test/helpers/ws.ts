import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export function wsClient(httpUrl: string, token?: string): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
}

/** Collects every result of one operation until it completes or errors. */
export function collect<T = any>(client: Client, payload: { query: string; variables?: Record<string, unknown> }): Promise<{ results: T[]; error?: unknown }> {
  return new Promise((resolve) => {
    const results: T[] = [];
    client.subscribe<T>(payload, {
      next: (r) => results.push(r as T),
      error: (error) => resolve({ results, error }),
      complete: () => resolve({ results }),
    });
  });
}
