// The GraphQL endpoint: Yoga at /graphql over HTTP and SSE, graphql-ws on the same path.
// src/server.ts imports this module on the first /graphql request or WebSocket upgrade: Yoga,
// graphql-js, the Pothos schema and graphql-jit are a large share of the start-up time and of
// the resident memory, and a gateway used only through REST never needs them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { Kind, type DocumentNode, type GraphQLError } from 'graphql';
import { credentialFromHeaders } from '../auth/auth-service.js';
import { clientIp } from '../auth/client-ip.js';
import { ClientGone, fromSignal, type Cancellation } from '../cancellation.js';
import type { Config } from '../config.js';
import type { GraphQLContext } from '../context.js';
import { GatewayError, isDatabaseUnavailable, toGatewayError } from '../errors.js';
import { renderGraphiQLPage } from '../graphiql-page.js';
import { useCompiledOperations } from '../graphql-jit.js';
import type { Logger } from '../logger.js';
import { PUBLIC_ROOT_FIELDS, schema } from '../schema/index.js';
import type { Services } from '../services.js';
import { useJsonPosts } from './json-posts.js';
import { useQueryLimits } from './limits.js';
import { credentialFromConnectionParams, serveGraphQLOverWebSocket } from './ws.js';

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export interface GraphQLEndpoint {
  yoga: GatewayYoga;
  /** Answers an HTTP request to /graphql. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Takes over a WebSocket upgrade (graphql-ws). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes the WebSocket connections. */
  close(): Promise<void>;
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

export function createGraphQLEndpoint(config: Config, logger: Logger, services: Services): GraphQLEndpoint {
  const yoga: GatewayYoga = createYoga<Record<string, unknown>, GraphQLContext>({
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

  const mask = maskGraphQLError(logger);
  const ws = serveGraphQLOverWebSocket({
    yoga,
    maxPayload: config.maxBodyBytes,
    maxOperations: config.wsMaxSubscriptions,
    authenticate: (credential) => services.auth.authenticate(credential),
    maskError: (e) => mask(e, 'Unexpected error.') as GraphQLError,
  });

  return {
    yoga,
    // Yoga's Node request listener: every Yoga hook and plugin sees every request.
    handle: (req, res) => void yoga.requestListener(req, res), // settles by itself: whatwg-node catches and answers every failure
    handleUpgrade: ws.handleUpgrade,
    close: ws.close,
  };
}
