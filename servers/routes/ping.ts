import type { FastifyInstance } from 'fastify';
import { pongFor } from '../pong.js';

/**
 * `POST /ping`: PING for the HTTP transports. Body `{"id","ts"}`, answer the same `pong` a
 * WebSocket client gets. Each PING counts once in the stats, whichever transport sent it.
 */
export default async function pingRoutes(app: FastifyInstance): Promise<void> {
  const { stats } = app.wirelab;
  app.post('/ping', async (request, reply) => {
    stats.pings += 1;
    const body = pongFor(request.body);
    void reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body);
    return reply;
  });
}
