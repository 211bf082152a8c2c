import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cursor, Feed, FeedMessage, ReadResult } from '../feed.js';
import { integerParam, requestCursor } from '../request-cursor.js';
import type { ResolvedServerOptions } from '../config.js';

/** A polling request, read and checked: where it resumes and how many events it takes. */
export interface PollRequest {
  readonly cursor: Cursor;
  readonly limit: number;
}

export async function readPollRequest(request: FastifyRequest, feed: Feed, options: ResolvedServerOptions): Promise<PollRequest> {
  return {
    cursor: await requestCursor(request, feed),
    limit: integerParam(request, 'limit', options.pollLimit, 1, options.pollMaxLimit),
  };
}

/**
 * The body of a poll answer: `{"epoch","next","events":[…]}`, built by concatenating the
 * messages' own JSON, which is already encoded once per message.
 */
export function pollBody(epoch: string, next: number, events: readonly FeedMessage[]): string {
  let list = '';
  for (let index = 0; index < events.length; index++) list += index === 0 ? events[index]!.json : `,${events[index]!.json}`;
  return `{"epoch":"${epoch}","next":${next},"events":[${list}]}`;
}

/** The answer to a read result that is not empty: a snapshot, a reset or the events. */
export function answerFor(feed: Feed, result: Exclude<ReadResult, { kind: 'ahead' }>, since: number): { body: string; count: number } {
  if (result.kind === 'events') {
    const last = result.events[result.events.length - 1];
    return { body: pollBody(feed.epoch, last?.seq ?? since, result.events), count: result.events.length };
  }
  return { body: pollBody(feed.epoch, result.message.seq, [result.message]), count: 1 };
}

export function sendJson(reply: FastifyReply, body: string): void {
  void reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body);
}
