import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WirelabError } from '../wire/errors.js';

/** Paths of the built dashboard, served without the access token so a browser can load them. */
const PUBLIC_PATHS = /^\/($|index\.html$|assets\/|favicon)/;

/**
 * Runs before every route, and so before any WebSocket upgrade: refuses new requests while
 * shutting down, origins outside the allow-list, and requests without the access token.
 */
export function installSecurity(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const { options } = app.wirelab;
    if (app.wirelab.shuttingDown) throw new WirelabError('WL_SHUTTING_DOWN');
    const origin = request.headers.origin;
    if (options.allowedOrigins !== undefined && origin !== undefined && !options.allowedOrigins.includes(origin)) {
      throw new WirelabError('WL_FORBIDDEN_ORIGIN', origin);
    }
    const path = request.url.split('?')[0] ?? '';
    if (options.accessToken !== undefined && !path.startsWith('/control/') && !PUBLIC_PATHS.test(path)) {
      if (!tokenMatches(presentedToken(request), options.accessToken)) throw new WirelabError('WL_UNAUTHORIZED');
    }
  });
}

/** A Bearer header, or `?token=` for browsers' EventSource and WebSocket, which cannot set headers. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
