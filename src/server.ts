// The HTTP server: GraphQL (Yoga) at /graphql over HTTP and SSE, graphql-ws on
// the same path and port, the REST shim under /api, health and readiness.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { Kind, type DocumentNode, type GraphQLError } from 'graphql';
import { credentialFromHeaders } from './auth/auth-service.js';
import { clientIp } from './auth/client-ip.js';
import type { Config } from './config.js';
import type { GraphQLContext } from './context.js';
import { ClientGone, fromSignal, type Cancellation } from './cancellation.js';
import { GatewayError, isDatabaseUnavailable, toGatewayError } from './errors.js';
import type { Logger } from './logger.js';
import { useCompiledOperations } from './graphql-jit.js';
import { useJsonPosts } from './graphql/json-posts.js';
import { useQueryLimits } from './graphql/limits.js';
import { credentialFromConnectionParams, serveGraphQLOverWebSocket } from './graphql/ws.js';
import { renderGraphiQLPage } from './graphiql-page.js';
import { listenFailure } from './startup-error.js';
import { createRouter } from './rest/router.js';
import { restRoutes } from './rest/routes.js';
import { sendError, sendJson } from './rest/http-utils.js';
import { PUBLIC_ROOT_FIELDS, schema } from './schema/index.js';
import { createServices, type Services } from './services.js';

export interface App {
  server: Server;
  services: Services;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /** Listens; resolves with the bound port. */
  start(port?: number, host?: string): Promise<number>;
  /** Graceful: stop accepting, let in-flight requests and streams finish (bounded), then close everything. */
  stop(): Promise<void>;
}

function rootFields(document: DocumentNode, operationName?: string | null): string[] {
  const fields: string[] = [];
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && def.name?.value !== operationName) continue;
    for (const sel of def.selectionSet.selections) fields.push(sel.kind === Kind.FIELD ? sel.name.value : '*');
  }
  return fields;
}

/** Every operation but login and health needs a viewer. */
function useAuthGuard(): Plugin<GraphQLContext> {
  const check = (args: { document: DocumentNode; operationName?: string | null; contextValue: GraphQLContext }) => {
    if (args.contextValue.viewer) return null;
    const fields = rootFields(args.document, args.operationName);
    if (fields.every((f) => PUBLIC_ROOT_FIELDS.has(f))) return null;
    return createGraphQLError('A valid Bearer token or API key is required', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args as never);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args as never);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/** Logs an error GraphQL did not expect (a bug or a failing plugin), with its stack. */
function logUnexpected(logger: Logger, error: unknown): void {
  logger.error('unexpected GraphQL error', { error: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) });
}

export function maskGraphQLError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const graphQLError = error as GraphQLError;
    const raw = graphQLError?.originalError ?? error;
    const original = isDatabaseUnavailable(raw) ? toGatewayError(raw) : raw;
    if (original instanceof GatewayError) {
      return createGraphQLError(original.message, {
        nodes: graphQLError.nodes,
        source: graphQLError.source,
        positions: graphQLError.positions,
        path: graphQLError.path,
        extensions: {
          code: original.code,
          http: { status: original.status },
          ...(original.retryAfter !== undefined ? { retryAfter: original.retryAfter } : {}),
          ...(original.details ? { details: original.details } : {}),
        },
      });
    }
    const isGraphQL = (e: unknown) => (e as { name?: unknown } | undefined)?.name === 'GraphQLError';
    // About the request itself (syntax, validation, variables: a variable's value the scalar
    // refused comes with the scalar's error as its cause and no path): the client's to fix.
    if (isGraphQL(graphQLError) && (!graphQLError.originalError || (!graphQLError.path && isGraphQL(graphQLError.originalError)))) {
      if (graphQLError.extensions?.code) {
        const http = graphQLError.extensions.http as { spec?: boolean } | undefined;
        if (!http?.spec) return graphQLError;
        // Yoga marks request errors it raises (syntax, malformed JSON) to be answered 200
        // under application/json; the gateway answers bad input with its 4xx on every media type.
        return createGraphQLError(graphQLError.message, {
          nodes: graphQLError.nodes,
          source: graphQLError.source,
          positions: graphQLError.positions,
          path: graphQLError.path,
          extensions: { ...graphQLError.extensions, http: { ...http, spec: false } },
        });
      }
      return createGraphQLError(graphQLError.message, {
        nodes: graphQLError.nodes,
        source: graphQLError.source,
        positions: graphQLError.positions,
        path: graphQLError.path,
        extensions: { code: graphQLError.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    logUnexpected(logger, original);
    return createGraphQLError(message, {
      nodes: graphQLError?.nodes,
      source: graphQLError?.source,
      positions: graphQLError?.positions,
      path: graphQLError?.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

export async function buildApp(config: Config, logger: Logger, prebuilt?: Services): Promise<App> {
  const services = prebuilt ?? (await createServices(config, logger));
  const router = createRouter(restRoutes);

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.nodeEnv !== 'production' ? { title: 'AI Gateway' } : false,
    renderGraphiQL: renderGraphiQLPage,
    logging: false,
    maxRequestBodySize: config.maxBodyBytes,
    multipart: false, // no uploads: JSON only (see useJsonPosts)
    maskedErrors: { maskError: maskGraphQLError(logger) },
    plugins: [useJsonPosts(), useQueryLimits(config.graphqlLimits), useAuthGuard(), useCompiledOperations()],
    context: async (initial): Promise<GraphQLContext> => {
      const request = initial.request as Request | undefined;
      const connectionParams = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
      let credential: string | null = null;
      if (connectionParams) {
        credential = credentialFromConnectionParams(connectionParams);
      } else if (initial.req) {
        const req = initial.req as IncomingMessage;
        credential = credentialFromHeaders((n) => req.headers[n] as string | undefined);
      } else if (request) {
        credential = credentialFromHeaders((n) => request.headers.get(n));
      }
      const viewer = await services.auth.authenticate(credential);
      const res = (initial as { res?: ServerResponse }).res;
      const cancel = (initial as { cancel?: Cancellation }).cancel ?? (res ? new ClientGone(res) : request ? fromSignal(() => request.signal) : undefined);
      return { viewer, services, cancel, clientIp: clientIp(initial.req as IncomingMessage | undefined, config.trustProxyHops) };
    },
  });

  const inFlight = new Set<ServerResponse>();
  let stopping = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      services.analytics.metrics.observeRequest(req, res, started);
    });
    if (stopping) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/graphql' || path.startsWith('/graphql/')) {
      // Yoga's Node request listener: every Yoga hook and plugin sees every request.
      void yoga.requestListener(req, res); // settles by itself: whatwg-node catches and answers every failure
      return;
    }
    if (path === '/health') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/metrics') {
      void services.analytics.metrics.respond(res).catch((e) => sendError(res, e, services.logger));
      return;
    }
    if (path === '/ready') {
      void services
        .readiness()
        .then((r) => sendJson(res, r.ready && !stopping ? 200 : 503, { status: r.ready && !stopping ? 'ready' : 'not_ready', ...r }))
        .catch((e: unknown) => sendError(res, e, services.logger));
      return;
    }
    router(req, res, services).catch((e: unknown) => sendError(res, e, services.logger));
  });
  server.keepAliveTimeout = 65_000;

  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const mask = maskGraphQLError(logger);
  const ws = serveGraphQLOverWebSocket({
    server,
    yoga,
    maxPayload: config.maxBodyBytes,
    maxOperations: config.wsMaxSubscriptions,
    authenticate: (credential) => services.auth.authenticate(credential),
    maskError: (e) => mask(e, 'Unexpected error.') as GraphQLError,
  });

  return {
    server,
    services,
    yoga,
    start(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const failed = (e: unknown) => reject(listenFailure(e, host, port));
        server.once('error', failed);
        // A deep accept queue: bursts of new connections (stream starts) are not dropped by the kernel.
        server.listen({ port, host, backlog: 4096 }, () => {
          server.off('error', failed);
          // Once listening, the server's own errors (an accept failing: EMFILE) are logged; it keeps serving.
          server.on('error', (e) => logger.error('HTTP server error', { error: e }));
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
      server.closeIdleConnections();
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await ws.close();
      for (const s of sockets) s.destroy();
      await closed;
      await services.close();
    },
  };
}
