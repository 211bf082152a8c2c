import type { FastifyInstance } from 'fastify';
import { requestFeed } from '../chat/rooms.js';
import { offeredCodings } from '../compression/accept-encoding.js';
import { connectionSocket } from '../connection-socket.js';
import type { Feed } from '../feed.js';
import { PerFeed } from './per-feed.js';
import { answerEncoding, answerFor, readPollRequest, sendAnswer, type PollAnswer } from './poll-answer.js';

const MAX_CACHED = 256;

/** The answers given since a feed's head (or epoch) last moved, by (since, limit). */
interface AnswerCache {
  head: number;
  epoch: string;
  readonly answers: Map<string, PollAnswer>;
}

/**
 * `GET /poll`: short polling. Answers at once with the events after `since` (possibly none).
 * Clients polling on the same schedule mostly ask the same question, so answers (and their
 * compressed forms) are cached per (since, limit) until the feed's head moves. `?room=NAME`
 * polls a chat room's feed instead of the main feed.
 */
export default async function shortPollTransport(app: FastifyInstance): Promise<void> {
  const { stats, options, rooms } = app.wirelab;
  const counters = stats.transports['short-poll'];
  const offered = offeredCodings(options.httpCompression);
  const caches = new PerFeed((feed): AnswerCache => ({ head: -1, epoch: feed.epoch, answers: new Map() }));

  app.wirelab.registerTransport({ name: 'short-poll', drop: () => stats.destroySockets('short-poll'), shutdown: () => {} });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('short-poll', connectionSocket(request.raw));
  });

  app.get('/poll', async (request, reply) => {
    const feed: Feed = requestFeed(request, rooms);
    const { cursor, limit } = await readPollRequest(request, feed, options);
    // A HEAD request gets the head of the answer without the body: it counts as a request only.
    const head = request.method === 'HEAD';
    if (!head) counters.accepted += 1;
    const cacheable = cursor.since !== undefined && (cursor.epoch === undefined || cursor.epoch === feed.epoch);
    const cache = caches.get(feed);
    // A broker-backed feed can start a new run whose head equals an old one.
    if (cache.head !== feed.head || cache.epoch !== feed.epoch) {
      cache.answers.clear();
      cache.head = feed.head;
      cache.epoch = feed.epoch;
    }
    const key = `${cursor.since}:${limit}`;
    let answer = cacheable ? cache.answers.get(key) : undefined;
    if (answer === undefined) {
      const result = feed.read(cursor, limit);
      // requestCursor has already refused cursors ahead of the head.
      if (result.kind === 'ahead') throw new Error('unreachable: cursor ahead of head');
      answer = answerFor(feed, result, cursor.since ?? feed.head);
      if (cacheable && cache.answers.size < MAX_CACHED) cache.answers.set(key, answer);
    }
    if (!head) counters.messagesSent += answer.count;
    sendAnswer(reply, answer, answerEncoding(request, offered));
    return reply;
  });
}
