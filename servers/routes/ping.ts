import type { FastifyInstance } from 'fastify';
import { WirelabError } from '../../wire/errors.js';
import { pongFor } from '../pong.js';

/** Browsers send `text/plain` to avoid a CORS preflight; the body is still the ping's JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WirelabError('WL_BAD_BODY', 'the ping body is not valid JSON');
  }
}

/**
 * `POST /ping`: PING for the HTTP transports. Body `{"id","ts"}`, answer the same `pong` a
 * WebSocket client gets. Each PING counts once in the stats, whichever transport sent it.
 */
export default async function pingRoutes(app: FastifyInstance): Promise<void> {
  const { stats } = app.wirelab;
  app.post('/ping', async (request, reply) => {
    stats.pings += 1;
    const body = pongFor(typeof request.body === 'string' ? parseJson(request.body) : request.body);
    void reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body);
    return reply;
  });
}
