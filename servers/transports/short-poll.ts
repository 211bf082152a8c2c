import type { FastifyInstance } from 'fastify';
import { answerFor, readPollRequest, sendJson } from './poll-answer.js';

/**
 * `GET /poll`: short polling. Answers at once with the events after `since` (possibly none).
 * Clients polling on the same schedule mostly ask the same question, so answers are cached
 * per (since, limit) until the feed's head moves.
 */
export default async function shortPollTransport(app: FastifyInstance): Promise<void> {
  const { feed, stats, options } = app.wirelab;
  const counters = stats.transports['short-poll'];
  let cacheHead = -1;
  let cacheEpoch = feed.epoch;
  const cache = new Map<string, { body: string; count: number; empty: boolean }>();
  const MAX_CACHED = 256;

  app.wirelab.registerTransport({ name: 'short-poll', drop: () => stats.destroySockets('short-poll'), shutdown: () => {} });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('short-poll', request.raw.socket);
  });

  app.get('/poll', async (request, reply) => {
    const { cursor, limit } = await readPollRequest(request, feed, options);
    // A HEAD request gets the head of the answer without the body: it counts as a request only.
    const head = request.method === 'HEAD';
    if (!head) counters.accepted += 1;
    const cacheable = cursor.since !== undefined && (cursor.epoch === undefined || cursor.epoch === feed.epoch);
    // A broker-backed feed can start a new run whose head equals an old one.
    if (cacheHead !== feed.head || cacheEpoch !== feed.epoch) {
      cache.clear();
      cacheHead = feed.head;
      cacheEpoch = feed.epoch;
    }
    const key = `${cursor.since}:${limit}`;
    let answer = cacheable ? cache.get(key) : undefined;
    if (answer === undefined) {
      const result = feed.read(cursor, limit);
      // requestCursor has already refused cursors ahead of the head.
      if (result.kind === 'ahead') throw new Error('unreachable: cursor ahead of head');
      const built = answerFor(feed, result, cursor.since ?? feed.head);
      answer = { ...built, empty: result.kind === 'events' && result.events.length === 0 };
      if (cacheable && cache.size < MAX_CACHED) cache.set(key, answer);
    }
    if (!head) counters.messagesSent += answer.count;
    sendJson(reply, answer.body);
    return reply;
  });
}
