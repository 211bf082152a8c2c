import type { FastifyInstance, FastifyReply } from 'fastify';
import { requestFeed } from '../chat/rooms.js';
import { offeredCodings } from '../compression/accept-encoding.js';
import { connectionSocket } from '../connection-socket.js';
import type { Feed } from '../feed.js';
import type { TransportCounters } from '../stats.js';
import { integerParam } from '../request-cursor.js';
import { PerFeed } from './per-feed.js';
import { PollAnswer, answerEncoding, answerFor, pollBody, readPollRequest, sendAnswer, type AnswerEncoding } from './poll-answer.js';

interface HeldPoll {
  readonly reply: FastifyReply;
  /** The feed run `since` belongs to: if the feed starts a new one, the poll is answered with a reset. */
  readonly epoch: string;
  readonly since: number;
  readonly limit: number;
  readonly encoding: AnswerEncoding;
  readonly timer: NodeJS.Timeout;
}

/**
 * The polls held on one feed. They are grouped by (since, limit), so when updates arrive each
 * group's answer is built (and compressed, per coding) once and sent to every poll in it.
 */
class HeldPolls {
  private readonly held = new Map<string, Set<HeldPoll>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: Feed,
    private readonly counters: TransportCounters,
  ) {
    this.unsubscribe = feed.subscribe(() => this.answerReady());
  }

  hold(reply: FastifyReply, since: number, limit: number, encoding: AnswerEncoding, timeoutMs: number): void {
    const poll: HeldPoll = {
      reply,
      epoch: this.feed.epoch,
      since,
      limit,
      encoding,
      timer: setTimeout(() => {
        if (this.release(poll)) sendAnswer(reply, this.empty(since), encoding);
      }, timeoutMs),
    };
    const key = `${poll.epoch}:${since}:${limit}`;
    let group = this.held.get(key);
    if (group === undefined) this.held.set(key, (group = new Set()));
    group.add(poll);
    this.counters.connections += 1;
    // The client went away while its poll was held.
    reply.raw.once('close', () => this.release(poll));
  }

  /** Answers every held poll with no events (shutdown). */
  close(): void {
    this.unsubscribe();
    for (const group of [...this.held.values()]) {
      for (const poll of [...group]) {
        if (this.release(poll)) sendAnswer(poll.reply, this.empty(poll.since), poll.encoding);
      }
    }
  }

  private empty(since: number): PollAnswer {
    return new PollAnswer(pollBody(this.feed.epoch, since, []), 0);
  }

  private release(poll: HeldPoll): boolean {
    const key = `${poll.epoch}:${poll.since}:${poll.limit}`;
    const group = this.held.get(key);
    if (group?.delete(poll) !== true) return false;
    if (group.size === 0) this.held.delete(key);
    clearTimeout(poll.timer);
    this.counters.connections -= 1;
    return true;
  }

  private answerReady(): void {
    const { feed } = this;
    for (const [key, group] of this.held) {
      const first = group.values().next().value as HeldPoll;
      const result = feed.read({ since: first.since, epoch: first.epoch }, first.limit);
      if (result.kind === 'ahead' || (result.kind === 'events' && result.events.length === 0)) continue;
      const answer = answerFor(feed, result, first.since);
      this.held.delete(key);
      for (const poll of group) {
        clearTimeout(poll.timer);
        this.counters.connections -= 1;
        this.counters.messagesSent += answer.count;
        sendAnswer(poll.reply, answer, poll.encoding);
      }
    }
  }
}

/**
 * `GET /long-poll`: holds the request until an event after `since` exists or `timeout` ms
 * pass. `?room=NAME` polls a chat room's feed instead of the main feed.
 */
export default async function longPollTransport(app: FastifyInstance): Promise<void> {
  const { stats, options, rooms } = app.wirelab;
  const counters = stats.transports['long-poll'];
  const offered = offeredCodings(options.httpCompression);
  const holds = new PerFeed((feed) => new HeldPolls(feed, counters));

  app.wirelab.registerTransport({
    name: 'long-poll',
    drop: () => stats.destroySockets('long-poll'),
    shutdown: () => {
      for (const hold of holds.values()) hold.close();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('long-poll', connectionSocket(request.raw));
  });

  app.get('/long-poll', async (request, reply) => {
    const feed = requestFeed(request, rooms);
    const { cursor, limit } = await readPollRequest(request, feed, options);
    const timeoutMs = integerParam(request, 'timeout', options.longPollTimeoutMs, 0, options.longPollMaxTimeoutMs);
    const encoding = answerEncoding(request, offered);
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
      sendAnswer(reply, answer, encoding);
      return reply;
    }
    holds.get(feed).hold(reply, since, limit, encoding, timeoutMs);
    return reply;
  });
}
