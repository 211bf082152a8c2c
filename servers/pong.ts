import { nowMicros } from '../wire/clock.js';
import { WirelabError } from '../wire/errors.js';

const MAX_ID_LENGTH = 64;

/**
 * The `pong` answering a PING, the same over every transport: it echoes the client's `id` and
 * `ts` and adds the server's monotonic time. Throws WL_BAD_MESSAGE when the ping is malformed.
 */
export function pongFor(ping: unknown): string {
  const { id, ts } = (ping ?? {}) as { id?: unknown; ts?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new WirelabError('WL_BAD_MESSAGE', `ping needs "id": a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new WirelabError('WL_BAD_MESSAGE', 'ping needs "ts": a non-negative integer (the client\'s microseconds)');
  }
  return `{"type":"pong","id":${JSON.stringify(id)},"ts":${ts},"serverTs":${nowMicros()}}`;
}

/** An `error` message as sent over a WebSocket. */
export function errorMessage(error: WirelabError): string {
  return JSON.stringify({ type: 'error', ...error.toJSON() });
}
