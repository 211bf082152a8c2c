import type { FastifyReply, FastifyRequest } from 'fastify';
import { chooseCoding, type ContentCoding } from '../compression/accept-encoding.js';
import { compressBody } from '../compression/codings.js';
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

/**
 * One poll answer, built once and sent to every poll that asked the same question. Its
 * compressed forms are made on first use, once per coding, and shared the same way.
 */
export class PollAnswer {
  private readonly encodings = new Map<ContentCoding, Buffer>();

  constructor(
    readonly body: string,
    /** Feed messages in it. */
    readonly count: number,
  ) {}

  /** The body as sent with `coding` (the plain JSON when undefined). */
  bytes(coding: ContentCoding | undefined): string | Buffer {
    if (coding === undefined) return this.body;
    let encoded = this.encodings.get(coding);
    if (encoded === undefined) this.encodings.set(coding, (encoded = compressBody(coding, this.body)));
    return encoded;
  }
}

/** The answer to a read result that is not empty: a snapshot, a reset or the events. */
export function answerFor(feed: Feed, result: Exclude<ReadResult, { kind: 'ahead' }>, since: number): PollAnswer {
  if (result.kind === 'events') {
    const last = result.events[result.events.length - 1];
    return new PollAnswer(pollBody(feed.epoch, last?.seq ?? since, result.events), result.events.length);
  }
  return new PollAnswer(pollBody(feed.epoch, result.message.seq, [result.message]), 1);
}

/** How answers to one request are encoded: the chosen coding, and whether the server compresses at all (then `Vary` is sent). */
export interface AnswerEncoding {
  readonly coding: ContentCoding | undefined;
  readonly varies: boolean;
}

export function answerEncoding(request: FastifyRequest, offered: readonly ContentCoding[]): AnswerEncoding {
  return { coding: chooseCoding(request.headers['accept-encoding'], offered), varies: offered.length > 0 };
}

export function sendAnswer(reply: FastifyReply, answer: PollAnswer, encoding: AnswerEncoding): void {
  void reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store');
  if (encoding.varies) void reply.header('vary', 'accept-encoding');
  if (encoding.coding !== undefined) void reply.header('content-encoding', encoding.coding);
  void reply.send(answer.bytes(encoding.coding));
}
