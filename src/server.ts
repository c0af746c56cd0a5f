// The HTTP server: GraphQL at /graphql over HTTP, SSE and graphql-ws (src/graphql/endpoint.ts,
// loaded on its first request), the REST shim under /api, health and readiness.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from './config.js';
import type { GraphQLEndpoint } from './graphql/endpoint.js';
import type { Logger } from './logger.js';
import { listenFailure } from './startup-error.js';
import { createRouter } from './rest/router.js';
import { restRoutes } from './rest/routes.js';
import { sendError, sendJson } from './rest/http-utils.js';
import { createServices, type Services } from './services.js';

export interface App {
  server: Server;
  services: Services;
  /** The GraphQL endpoint (Yoga, graphql-ws), loaded on first use. */
  graphql(): Promise<GraphQLEndpoint>;
  /** Listens; resolves with the bound port. */
  start(port?: number, host?: string): Promise<number>;
  /** Graceful: stop accepting, let in-flight requests and streams finish (bounded), then close everything. */
  stop(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger, prebuilt?: Services): Promise<App> {
  const services = prebuilt ?? (await createServices(config, logger));
  const router = createRouter(restRoutes);

  let graphqlLoad: Promise<GraphQLEndpoint> | undefined;
  const graphql = (): Promise<GraphQLEndpoint> => {
    if (!graphqlLoad) {
      const load = import('./graphql/endpoint.js').then((m) => m.createGraphQLEndpoint(config, logger, services));
      // A failed load is not kept: the next request tries again.
      load.catch((e: unknown) => {
        if (graphqlLoad === load) graphqlLoad = undefined;
        logger.error('could not load the GraphQL endpoint', { error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
      });
      graphqlLoad = load;
    }
    return graphqlLoad;
  };

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
      graphql().then(
        (endpoint) => endpoint.handle(req, res),
        (e: unknown) => sendError(res, e, services.logger),
      );
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

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    // Until graphql-ws takes the socket over, its errors (a reset while the endpoint loads) end it.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    graphql().then(
      (endpoint) => {
        socket.off('error', onError);
        if (stopping || socket.destroyed) socket.destroy();
        else endpoint.handleUpgrade(req, socket, head);
      },
      () => socket.destroy(),
    );
  });

  return {
    server,
    services,
    graphql,
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
      if (graphqlLoad) await graphqlLoad.then((endpoint) => endpoint.close(), () => {});
      for (const s of sockets) s.destroy();
      await closed;
      await services.close();
    },
  };
}
