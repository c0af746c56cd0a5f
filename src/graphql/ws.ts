// graphql-ws on the HTTP server's /graphql path, run through Yoga's envelop (the same
// parser, limits, validation, context, auth guard and error masking as HTTP and SSE).
// A connection is accepted only with a valid token in connection_init; a message is at
// most the HTTP body limit; a connection runs a bounded number of operations at once.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from '../auth/auth-service.js';
import { fromSignal, type Cancellation } from '../cancellation.js';
import type { GraphQLContext } from '../context.js';
import { GatewayError, toGatewayError } from '../errors.js';

/** The credential a client puts in connection_init: `authorization` (Bearer or bare), `token` or `x-api-key`. */
export function credentialFromConnectionParams(params: Readonly<Record<string, unknown>> | null | undefined): string | null {
  if (!params) return null;
  const raw = params.authorization ?? params.Authorization ?? params.token;
  if (typeof raw === 'string') {
    const credential = raw.replace(/^Bearer\s+/i, '').trim();
    if (credential) return credential;
  }
  const key = params['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}

/**
 * An error as a client sees it, without the `http` extension (status and headers for an
 * HTTP answer), as Yoga leaves it out over HTTP and SSE.
 */
function formatted(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const json: GraphQLFormattedError = 'toJSON' in error ? error.toJSON() : error;
  if (!json.extensions || !('http' in json.extensions)) return json;
  const { http: _http, ...extensions } = json.extensions;
  const { extensions: _all, ...rest } = json;
  return Object.keys(extensions).length ? { ...rest, extensions } : rest;
}

export interface GraphQLWebSocketOptions {
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /** Largest message accepted, in bytes (the HTTP body limit); a larger one closes the socket with 1009. */
  maxPayload: number;
  /** Operations running at once on one connection. */
  maxOperations: number;
  authenticate(credential: string | null): Promise<Viewer | null>;
  /** Turns any error into the GraphQL error a client may see (the same masking as Yoga's). */
  maskError(error: unknown): GraphQLError;
}

/** graphql-ws over the upgrades handed to handleUpgrade (the HTTP server's, for /graphql). */
export function serveGraphQLOverWebSocket(options: GraphQLWebSocketOptions): { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void; close(): Promise<void> } {
  const { yoga, maxPayload, maxOperations, authenticate, maskError } = options;
  // Upgrades are handed to ws by the server (src/server.ts) rather than through ws's `server`
  // option, which would also repeat the HTTP server's own errors (a failed listen, which start()
  // reports) on this server, where graphql-ws prints them as internal errors.
  const wsServer = new WebSocketServer({ noServer: true, path: '/graphql', maxPayload });

  // One Cancellation per connection (its signal made only when something waits on it):
  // every operation on the connection ends when the socket closes.
  const cancellations = new WeakMap<WebSocket, Cancellation>();
  const cancellationOf = (socket: WebSocket): Cancellation => {
    let cancel = cancellations.get(socket);
    if (!cancel) {
      const abort = new AbortController();
      socket.once('close', () => abort.abort(new Error('socket closed')));
      cancel = fromSignal(() => abort.signal);
      cancellations.set(socket, cancel);
    }
    return cancel;
  };

  const cleanup = useServer<Record<string, unknown>>(
    {
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
      // false closes the socket with 4403 Forbidden. Each operation still authenticates
      // again (a token may expire or a key be revoked while the socket stays open).
      onConnect: async (ctx) => {
        try {
          return (await authenticate(credentialFromConnectionParams(ctx.connectionParams))) !== null;
        } catch (e) {
          // Not the client's fault: 1013 (try again later) when storage is down, else 1011.
          maskError(e); // logs what was not expected
          const unavailable = toGatewayError(e).status === 503;
          ctx.extra.socket.close(unavailable ? 1013 : 1011, unavailable ? 'Service unavailable' : 'Internal server error');
          return false;
        }
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: result.errors.map(formatted) } : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatted),
      onSubscribe: async (ctx, _id, payload) => {
        // This operation is counted already (graphql-ws reserves its id before calling us).
        if (Object.keys(ctx.subscriptions).length > maxOperations) {
          return [maskError(new GatewayError('TOO_MANY_SUBSCRIPTIONS', `At most ${maxOperations} operations may run at once on one connection`, { details: { limit: maxOperations } }))];
        }
        try {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
            connectionParams: ctx.connectionParams ?? {},
            cancel: cancellationOf(ctx.extra.socket),
          });
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
          return {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
        } catch (e) {
          // A refused document (syntax, limits) or a context that could not be made: this
          // operation fails with a coded error, the connection stays open.
          return [maskError(e)];
        }
      },
    },
    wsServer,
  );

  return {
    handleUpgrade(req, socket, head) {
      wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
    },
    async close() {
      await Promise.resolve(cleanup.dispose()).catch(() => {});
      wsServer.close();
    },
  };
}
