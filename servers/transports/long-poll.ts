import type { FastifyInstance, FastifyReply } from 'fastify';
import { integerParam } from '../request-cursor.js';
import { answerFor, pollBody, readPollRequest, sendJson } from './poll-answer.js';

interface HeldPoll {
  readonly reply: FastifyReply;
  /** The feed run `since` belongs to: if the feed starts a new one, the poll is answered with a reset. */
  readonly epoch: string;
  readonly since: number;
  readonly limit: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * `GET /long-poll`: holds the request until an event after `since` exists or `timeout` ms
 * pass. Held polls are grouped by (since, limit), so when updates arrive each group's answer
 * is built once and sent to every poll in it.
 */
export default async function longPollTransport(app: FastifyInstance): Promise<void> {
  const { feed, stats, options } = app.wirelab;
  const counters = stats.transports['long-poll'];
  const held = new Map<string, Set<HeldPoll>>();

  const release = (poll: HeldPoll): boolean => {
    const key = `${poll.epoch}:${poll.since}:${poll.limit}`;
    const group = held.get(key);
    if (group?.delete(poll) !== true) return false;
    if (group.size === 0) held.delete(key);
    clearTimeout(poll.timer);
    counters.connections -= 1;
    return true;
  };

  const unsubscribe = feed.subscribe(() => {
    for (const [key, group] of held) {
      const first = group.values().next().value as HeldPoll;
      const result = feed.read({ since: first.since, epoch: first.epoch }, first.limit);
      if (result.kind === 'ahead' || (result.kind === 'events' && result.events.length === 0)) continue;
      const answer = answerFor(feed, result, first.since);
      held.delete(key);
      for (const poll of group) {
        clearTimeout(poll.timer);
        counters.connections -= 1;
        counters.messagesSent += answer.count;
        sendJson(poll.reply, answer.body);
      }
    }
  });

  const answerAllEmpty = (): void => {
    for (const group of [...held.values()]) {
      for (const poll of [...group]) {
        if (release(poll)) sendJson(poll.reply, pollBody(feed.epoch, poll.since, []));
      }
    }
  };

  app.wirelab.registerTransport({
    name: 'long-poll',
    drop: () => stats.destroySockets('long-poll'),
    shutdown: () => {
      unsubscribe();
      answerAllEmpty();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('long-poll', request.raw.socket);
  });

  app.get('/long-poll', async (request, reply) => {
    const { cursor, limit } = await readPollRequest(request, feed, options);
    const timeoutMs = integerParam(request, 'timeout', options.longPollTimeoutMs, 0, options.longPollMaxTimeoutMs);
    // HEAD is never held: it is answered at once, as a poll with timeout=0 would be, and Fastify
    // sends the head without the body. It counts as a request only.
    const head = request.method === 'HEAD';
    if (!head) counters.accepted += 1;
    const result = feed.read(cursor, limit);
    if (result.kind === 'ahead') throw new Error('unreachable: cursor ahead of head');
    const since = cursor.since ?? feed.head;
    if (result.kind !== 'events' || result.events.length > 0 || timeoutMs === 0 || head) {
      const answer = answerFor(feed, result, since);
      if (!head) counters.messagesSent += answer.count;
      sendJson(reply, answer.body);
      return reply;
    }
    const poll: HeldPoll = {
      reply,
      epoch: feed.epoch,
      since,
      limit,
      timer: setTimeout(() => {
        if (release(poll)) sendJson(reply, pollBody(feed.epoch, since, []));
      }, timeoutMs),
    };
    const key = `${poll.epoch}:${since}:${limit}`;
    let group = held.get(key);
    if (group === undefined) held.set(key, (group = new Set()));
    group.add(poll);
    counters.connections += 1;
    // The client went away while its poll was held.
    reply.raw.once('close', () => release(poll));
    return reply;
  });
}
