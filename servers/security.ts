import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WirelabError } from '../wire/errors.js';

/**
 * Who may call a route, declared with the route (`config: { access }`), so the decision
 * follows the route the router matched, whatever spelling of the URL reached it:
 * - `feed` (the default): needs the access token when the server has one;
 * - `public`: never needs it (the built dashboard's files, so a browser can load the page);
 * - `control`: authorised with the control token by the control plugin's own hook instead.
 */
export type RouteAccess = 'feed' | 'public' | 'control';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/**
 * Runs before every route, and so before any WebSocket upgrade: refuses new requests while
 * shutting down, origins outside the allow-list, and requests to a `feed` route without the
 * access token. A request no route matched goes on to the 404 answer: there is nothing to guard.
 */
export function installSecurity(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const { options } = app.wirelab;
    if (app.wirelab.shuttingDown) throw new WirelabError('WL_SHUTTING_DOWN');
    const origin = request.headers.origin;
    if (options.allowedOrigins !== undefined && origin !== undefined && !options.allowedOrigins.includes(origin)) {
      throw new WirelabError('WL_FORBIDDEN_ORIGIN', origin);
    }
    if (options.accessToken === undefined || request.is404) return;
    const access = request.routeOptions.config.access ?? 'feed';
    if (access === 'feed' && !tokenMatches(presentedToken(request), options.accessToken)) throw new WirelabError('WL_UNAUTHORIZED');
  });
}

/** The token of an `Authorization: Bearer` header: the only way the control token is taken. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

/** The access token: a Bearer header, or `?token=` for browsers' EventSource and WebSocket, which cannot set headers. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const bearer = bearerToken(request);
  if (bearer !== undefined) return bearer;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
