import type { FastifyInstance } from 'fastify';
import { WirelabError } from '../wire/errors.js';

/**
 * Refuses a WebSocket upgrade to any route that is not a WebSocket route, with 404
 * `WL_NOT_WEBSOCKET` before the upgrade. Without it, @fastify/websocket upgrades every
 * upgrade request that reaches a route and then closes the socket at once (101, then an empty
 * close frame), which tells the client nothing. Install at the root, before the routes.
 */
export function refuseStrayUpgrades(app: FastifyInstance): void {
  const upgradable = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (route.websocket === true && methods.includes('GET')) upgradable.add(route.url);
  });
  app.addHook('onRequest', async (request) => {
    // `ws` is set by @fastify/websocket on requests that arrived as an upgrade.
    if (!request.ws) return;
    const url = request.routeOptions.url;
    if (request.method === 'GET' && !request.is404 && url !== undefined && upgradable.has(url)) return;
    throw new WirelabError('WL_NOT_WEBSOCKET', request.method, request.url.split('?')[0] ?? request.url, [...upgradable].join(' or '));
  });
}
