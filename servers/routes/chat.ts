import type { FastifyInstance } from 'fastify';
import { readChat, relayChat } from '../chat/chat-message.js';
import { SenderLimits } from '../chat/sender-limits.js';
import { WirelabError, errorBody } from '../../wire/errors.js';
import { parseJsonText } from '../json-body.js';

/** Senders whose rate is tracked at once (a sweep forgets those silent for 3 s). */
const MAX_TRACKED_SENDERS = 100_000;

/**
 * `POST /chat`: the upstream of chat for the HTTP transports (SSE, long and short polling),
 * which have no way back on their feed connection. Body `{"from","n","ts","text","room"?}`
 * (`application/json`, or `text/plain` as browsers send without a preflight), answered 204 once
 * the message is relayed to its room. Each sender (`from`) gets the WebSocket's limits: the same
 * body size, the same rate per second and the same strike rule (docs/protocol.md §7).
 */
export default async function chatRoutes(app: FastifyInstance): Promise<void> {
  const { rooms, stats, options } = app.wirelab;
  const limits = new SenderLimits(options.messageRatePerSecond, options.rateLimitStrikes, MAX_TRACKED_SENDERS);
  app.addHook('onClose', async () => limits.close());

  app.post('/chat', async (request, reply) => {
    const body = typeof request.body === 'string' ? parseJsonText(request.body, 'chat') : request.body;
    const message = readChat(body, 'WL_BAD_BODY', false);
    const verdict = limits.take(message.from, Date.now());
    if (verdict !== 'ok') {
      stats.chatRefused += 1;
      // Refused, never queued: the sender learns it went too fast. In the last strike the
      // connection that carried it is closed too, as a WebSocket is closed with 1008.
      if (verdict === 'close' && request.raw.httpVersionMajor === 1) void reply.header('connection', 'close');
      void reply.code(429).header('retry-after', '1').type('application/json');
      return reply.send(errorBody(new WirelabError('WL_RATE_LIMITED', options.messageRatePerSecond)));
    }
    relayChat(rooms, message);
    stats.chatRelayed += 1;
    return reply.code(204).send();
  });
}
