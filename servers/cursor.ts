import { WirelabError } from '../wire/errors.js';
import type { Cursor } from './feed.js';

export const EPOCH_PATTERN = /^[a-z0-9]{1,32}$/;
const SEQ_PATTERN = /^(0|[1-9][0-9]{0,15})$/;

export interface CursorInput {
  readonly since?: string | undefined;
  readonly epoch?: string | undefined;
  /** SSE's `Last-Event-ID` header: `EPOCH:SEQ` or a bare `SEQ`. It wins over the query. */
  readonly lastEventId?: string | undefined;
}

/** Reads a resume cursor from query parameters or a Last-Event-ID header; throws WL_BAD_CURSOR. */
export function parseCursor(input: CursorInput): Cursor {
  if (input.lastEventId !== undefined && input.lastEventId !== '') {
    const separator = input.lastEventId.lastIndexOf(':');
    const epoch = separator === -1 ? undefined : input.lastEventId.slice(0, separator);
    const since = separator === -1 ? input.lastEventId : input.lastEventId.slice(separator + 1);
    return { since: parseSeq(since, 'Last-Event-ID'), ...(epoch === undefined ? {} : { epoch: parseEpoch(epoch) }) };
  }
  const cursor: { since?: number; epoch?: string } = {};
  if (input.since !== undefined) cursor.since = parseSeq(input.since, 'since');
  if (input.epoch !== undefined) cursor.epoch = parseEpoch(input.epoch);
  return cursor;
}

function parseSeq(text: string, name: string): number {
  if (!SEQ_PATTERN.test(text)) {
    throw new WirelabError('WL_BAD_CURSOR', `${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseEpoch(text: string): string {
  if (!EPOCH_PATTERN.test(text)) {
    throw new WirelabError('WL_BAD_CURSOR', `epoch must be 1 to 32 characters of [a-z0-9], got ${JSON.stringify(text)}`);
  }
  return text;
}
