// The REST shim's router: a table of {method, path pattern, access, handler}.
// Handlers are thin: they translate the guide's snake_case JSON to service calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialFromHeaders, requireAdmin, requireViewer, type Viewer } from '../auth/auth-service.js';
import { GatewayError } from '../errors.js';
import type { Services } from '../services.js';
import { ClientGone, type Cancellation } from '../cancellation.js';
import { readJsonBody, sendError, sendJson } from './http-utils.js';
import { memoize } from '../memo.js';
import { hasControlCharacters, invalid } from '../validators.js';

export type Access = 'public' | 'user' | 'admin';

/** Cookie holding the bearer token for EventSource requests (set by POST /api/auth/login). */
export const STREAM_TOKEN_COOKIE = 'aigw_token';

export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  viewer: Viewer | null;
  services: Services;
  req: IncomingMessage;
  res: ServerResponse;
  /** The client disconnecting (its AbortSignal is made only when read). */
  cancel: Cancellation;
}

export interface RestResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  access: Access;
  /** Reads a credential from ?token= or the aigw_token cookie too (EventSource cannot send headers). */
  allowQueryToken?: boolean;
  /** Writes this route's errors in its own wire format (the drop-in /v1 APIs); default: the REST shape. */
  formatError?: (res: ServerResponse, error: unknown, logger: Services['logger']) => void;
  /** Returns a JSON result, or undefined when it wrote the response itself (SSE, HTML). */
  handler: (r: RestRequest) => Promise<RestResult | undefined> | RestResult | undefined;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  // ":name" matches one segment; ":name+" the rest of the path (model names may contain "/").
  const pattern = route.path.replace(/[.*?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)(\+?)/g, (_, k: string, rest: string) => {
    keys.push(k);
    return rest ? '(.+?)' : '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${pattern}/?$`), keys };
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined; // malformed percent-encoding: no credential from this cookie
    }
  }
  return undefined;
}

/**
 * A body that changes state is JSON. A form or text/plain body is what a page on another
 * origin can send with no preflight; refusing it keeps such pages from calling the API.
 * The guide's stream example labels its JSON body text/event-stream: that type needs a
 * preflight too, so it is read as JSON.
 */
const JSON_BODY_TYPES = new Set(['application/json', 'text/event-stream']);

function refuseNonJsonBody(req: IncomingMessage): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (JSON_BODY_TYPES.has(type)) return;
  req.resume();
  throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `A request body must be Content-Type: application/json${type ? `, not ${type}` : ''}`);
}


export function createRouter(routes: Route[]) {
  const compiled = routes.map(compile);
  // Literal segments first so /api/ai/providers never matches /api/ai/:provider.
  compiled.sort((a, b) => b.path.split('/').filter((s) => !s.startsWith(':')).length - a.path.split('/').filter((s) => !s.startsWith(':')).length);

  // Paths without parameters are looked up, not matched route by route: a literal path
  // always wins over a pattern of the same length (it sorts first above), so the outcome is
  // the same as the loop over every route.
  const literal = new Map<string, typeof compiled>();
  const patterns = compiled.filter((r) => {
    if (r.keys.length > 0) return true;
    const key = r.path.length > 1 ? r.path.replace(/\/$/, '') : r.path;
    literal.set(key, [...(literal.get(key) ?? []), r]);
    return false;
  });

  function match(method: string, path: string) {
    let allowed: string[] = [];
    const exact = literal.get(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path) ?? [];
    for (const r of exact) {
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params: {} as Record<string, string> };
      allowed.push(r.method);
    }
    for (const r of patterns) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      // A bad parameter is the matched route's error, so that it answers in the route's own format (/v1).
      try {
        r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
      } catch {
        return { route: r, params, problem: new GatewayError('BAD_REQUEST', `Malformed percent-encoding in ${path}`) };
      }
      // No path parameter (a provider, a model, an id) ever holds a control character.
      for (const k of r.keys) if (hasControlCharacters(params[k]!)) return { route: r, params, problem: invalid(k, 'must not contain control characters') };
      return { route: r, params };
    }
    allowed = [...new Set(allowed)];
    return { allowed };
  }

  // The path as URL parsing normalises it, and the route it matches, per method and raw path
  // ("POST /api/ai/openai"): both depend only on those two. The params are frozen since every
  // request with that path shares them.
  const resolve = memoize((key) => {
    const space = key.indexOf(' ');
    const pathname = new URL(key.slice(space + 1), 'http://localhost').pathname;
    const found = match(key.slice(0, space), pathname);
    if ('params' in found) Object.freeze(found.params);
    return { pathname, found };
  });

  // A path that matches no route still answers in the wire format of the routes under its
  // first segment (an unknown /v1 path in OpenAI's error shape): the first such route's.
  const formatters = new Map<string, NonNullable<Route['formatError']>>();
  for (const r of routes) {
    const top = r.path.split('/')[1]!;
    if (r.formatError && !formatters.has(top)) formatters.set(top, r.formatError);
  }
  const formatterUnder = (raw: string) => (formatters.size ? formatters.get(raw.split(/[/?#]/)[1] ?? '') : undefined);

  return async function handle(req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
    const raw = req.url ?? '/';
    const end = raw.search(/[?#]/);
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: Route | undefined;
    try {
      const { pathname, found } = resolve(`${method} ${end < 0 ? raw : raw.slice(0, end)}`);
      const query = end < 0 ? new URLSearchParams() : new URL(raw, 'http://localhost').searchParams;
      if (!('route' in found) || !found.route) {
        const allowed = (found as { allowed: string[] }).allowed;
        if (allowed.length) {
          res.setHeader('allow', allowed.join(', '));
          throw new GatewayError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}; use ${allowed.join(', ')}`);
        }
        throw new GatewayError('NOT_FOUND', `No route for ${method} ${pathname}`);
      }
      const { route, params } = found;
      matched = route;
      if (found.problem) throw found.problem;
      services.analytics.metrics.labelRoute(req, route.path);
      let credential = credentialFromHeaders((n) => req.headers[n] as string | undefined);
      if (!credential && route.allowQueryToken) credential = query.get('token') ?? cookie(req, STREAM_TOKEN_COOKIE) ?? null;
      const viewer = route.access === 'public' && !credential ? null : await services.auth.authenticate(credential);
      if (route.access === 'user') requireViewer(viewer);
      if (route.access === 'admin') requireAdmin(viewer);
      if (method !== 'GET' && method !== 'HEAD') refuseNonJsonBody(req);
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readJsonBody(req, services.config.maxBodyBytes);
      const result = await route.handler({
        method, path: pathname, params, query, body, viewer, services, req, res, cancel: new ClientGone(res),
      });
      if (result) sendJson(res, result.status ?? 200, result.body, result.headers);
    } catch (e) {
      const format = matched ? matched.formatError : formatterUnder(raw);
      if (format) format(res, e, services.logger);
      else sendError(res, e, services.logger);
    }
  };
}
