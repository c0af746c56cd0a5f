// POST /graphql with a JSON body, answered without Yoga's fetch-API layer. Yoga turns every
// Node request into a WHATWG Request and every answer into a Response (web streams, an
// AbortSignal per request, promise helpers): on a completion mutation that layer cost as
// much as the rest of the gateway. A plain JSON query or mutation is instead run here with
// the envelop Yoga builds (so the same plugins, parser and validation caches, error masking
// and auth guard as every other GraphQL request and as graphql-ws) and its answer is made
// by Yoga's own result processor (so the same status codes, media types and JSON).
//
// Everything else goes to Yoga unchanged: GET, SSE and multipart, browser requests (Origin,
// for CORS), chunked or oversized bodies, and, after the body is read, anything that is not
// a well-formed single query or mutation (malformed JSON, bad parameters, subscriptions,
// batches), so Yoga keeps answering those exactly as before.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import { createGraphQLError, processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { ClientGone, type Cancellation } from './cancellation.js';
import { readBytes } from './rest/http-utils.js';
import { memoize } from './memo.js';

type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** The answer Yoga's result processor makes, kept as its parts instead of a Response. */
class Answer {
  constructor(
    readonly body: string | null,
    readonly init: { status?: number; headers?: Record<string, string> },
  ) {}
}
const PLAIN_FETCH_API = { Response: Answer } as unknown as Parameters<typeof processRegularResult>[1];

const JSON_TYPES = ['application/graphql-response+json', 'application/json'];

/**
 * The media type Yoga's result processors pick for a query or mutation result (never an
 * async iterable) under this Accept header, or null when none fits (Yoga answers 406). The
 * same walk as Yoga's: the header's utf-8 types last first, the last match winning.
 */
const acceptedJson = memoize((accept: string): string | null => {
  let chosen: string | null = null;
  const asked = accept.replace(/\s/g, '').toLowerCase().split(',').reverse();
  for (const entry of asked) {
    const [type, ...params] = entry.split(';');
    const charset = params.find((p) => p.includes('charset=')) ?? 'charset=utf-8';
    if (!type || charset !== 'charset=utf-8') continue;
    const [pre, suf] = type.split('/');
    for (const candidate of JSON_TYPES) {
      const [cPre, cSuf] = candidate.split('/');
      if ((pre === '*' || pre === cPre) && (suf === '*' || suf === cSuf)) chosen = candidate;
    }
  }
  return chosen;
});

interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

function plainParams(value: unknown): Params | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { query, variables, operationName, ...rest } = value as Record<string, unknown>;
  if (typeof query !== 'string' || Object.keys(rest).length > 0) return null;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  return { query, variables: variables as Params['variables'], operationName: operationName as Params['operationName'] };
}

/**
 * A handler for /graphql requests: answers plain JSON queries and mutations itself and
 * hands every other request to Yoga.
 */
export function graphqlHandler(yoga: Yoga, maxBodyBytes: number, onUnexpected: (error: unknown) => void) {
  // Query texts that parsed and validated, with their document: parsing and validating
  // depend only on the text and the schema, which is fixed, so a text sent again skips
  // both (and the plugins' hooks around them, which cache the same outcome). Bounded:
  // emptied when full.
  const valid = new Map<string, DocumentNode>();
  const VALID_MAX = 1000;

  /** Yoga answers a request whose body we already read. */
  async function toYoga(req: IncomingMessage, res: ServerResponse, body: Buffer, cancel: Cancellation): Promise<void> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'content-length' || name === 'transfer-encoding' || value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const response = await yoga.fetch(
      `http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`,
      { method: req.method, headers, body, signal: cancel.signal },
      { req, res },
    );
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') out[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies;
    res.writeHead(response.status, out);
    if (!response.body) {
      res.end();
      return;
    }
    // Multipart or SSE answers (a subscription posted with Accept: */*) stream through.
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        res.write(value);
      }
    } finally {
      if (res.destroyed) await reader.cancel().catch(() => {});
      res.end();
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const length = Number(req.headers['content-length']);
    const plain =
      req.method === 'POST' &&
      req.headers.origin === undefined &&
      Number.isFinite(length) &&
      length > 0 &&
      length <= maxBodyBytes &&
      (req.headers['content-type'] ?? '').toLowerCase().split(';')[0]!.trim() === 'application/json';
    const mediaType = plain ? acceptedJson(req.headers.accept ?? '*/*') : null;
    if (!mediaType) {
      await yoga(req, res);
      return;
    }
    const body = await readBytes(req, maxBodyBytes);
    const cancel = new ClientGone(res);
    let params: Params | null = null;
    try {
      params = plainParams(JSON.parse(body.toString('utf8')));
    } catch {
      params = null;
    }
    if (!params) return toYoga(req, res, body, cancel);

    const enveloped = yoga.getEnveloped({ req, res, params, cancel });
    const cached = valid.get(params.query);
    const known = cached !== undefined;
    let document: DocumentNode;
    try {
      document = cached ?? enveloped.parse(params.query);
    } catch {
      return toYoga(req, res, body, cancel); // a syntax error: Yoga words and codes it
    }
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === 'subscription') return toYoga(req, res, body, cancel);
    const errors = known ? [] : enveloped.validate(enveloped.schema, document);
    if (!known && errors.length === 0) {
      if (valid.size >= VALID_MAX) valid.clear();
      valid.set(params.query, document);
    }
    let result: ExecutionResult = { errors };
    if (!errors.length) {
      let contextValue: unknown;
      try {
        contextValue = await enveloped.contextFactory();
      } catch {
        return toYoga(req, res, body, cancel); // nothing has run yet: Yoga answers the failure its way
      }
      try {
        result = (await enveloped.execute({
          schema: enveloped.schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        })) as ExecutionResult;
      } catch (e) {
        // Resolver errors are already in the result (masked); this is a plugin failing.
        onUnexpected(e);
        result = { errors: [createGraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      }
    }
    const answer = processRegularResult(result, PLAIN_FETCH_API, mediaType) as unknown as Answer;
    if (res.destroyed) return;
    res.writeHead(answer.init.status ?? 200, answer.init.headers);
    res.end(answer.body);
  };
}
