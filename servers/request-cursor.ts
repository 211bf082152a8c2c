import type { FastifyRequest } from 'fastify';
import { parseCursor } from './cursor.js';
import { WirelabError } from '../wire/errors.js';
import type { Cursor, Feed } from './feed.js';

type Query = Record<string, string | string[] | undefined>;

/**
 * The resume cursor of a feed request (query `since`/`epoch`, and for SSE the
 * `Last-Event-ID` header), checked against the feed. Throws WL_BAD_CURSOR or
 * WL_CURSOR_AHEAD, which reach the client as HTTP 400 before any upgrade or stream starts.
 * Async because a broker-backed feed asks the broker about a seq its copy has not reached.
 */
export async function requestCursor(request: FastifyRequest, feed: Feed, useLastEventId = false): Promise<Cursor> {
  const query = request.query as Query;
  const header = useLastEventId ? request.headers['last-event-id'] : undefined;
  const cursor = parseCursor({
    since: single(query, 'since'),
    epoch: single(query, 'epoch'),
    lastEventId: Array.isArray(header) ? header[0] : header,
  });
  const sameRun = cursor.epoch === undefined || cursor.epoch === feed.epoch;
  if (cursor.since !== undefined && sameRun && cursor.since > feed.head && !(await feed.reaches(cursor.since))) {
    throw new WirelabError('WL_CURSOR_AHEAD', cursor.since, feed.head);
  }
  return cursor;
}

/** A query parameter given at most once. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new WirelabError('WL_BAD_QUERY', `${name} is given more than once`);
  return value;
}

/** An optional integer query parameter within [min, max]; throws WL_BAD_QUERY naming it. */
export function integerParam(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const text = single(request.query as Query, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new WirelabError('WL_BAD_QUERY', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
