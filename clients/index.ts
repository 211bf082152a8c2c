import type { BaseClient } from './base.js';
import { LongPollClient } from './long-poll.js';
import { ShortPollClient } from './short-poll.js';
import { createSocketIoClient } from './socketio.js';
import { SseClient } from './sse.js';
import type { FeedClient, FeedClientOptions } from './types.js';
import { WebSocketClient } from './websocket.js';
import { isProtocolName, PROTOCOL_NAMES, type ProtocolName } from '../wire/protocols.js';

/** The client class of each protocol: a new protocol's client is registered here. */
const CLIENTS: Readonly<Record<ProtocolName, new (options: FeedClientOptions) => BaseClient>> = Object.freeze({
  ws: WebSocketClient,
  sse: SseClient,
  'long-poll': LongPollClient,
  'short-poll': ShortPollClient,
});

/**
 * Creates a client of `options.protocol`. Nothing is opened until `connect()`. Throws on a
 * bad option (URL, protocol, schedule) at once.
 */
export function createClient(options: FeedClientOptions): FeedClient {
  if (options.foreign?.socketio !== undefined) return createSocketIoClient(options);
  if (typeof options.protocol !== 'string' || !isProtocolName(options.protocol)) {
    throw new TypeError(`protocol must be ${PROTOCOL_NAMES.join(', ')}, got ${JSON.stringify(options.protocol)}`);
  }
  return new CLIENTS[options.protocol](options);
}

export { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff, type BackoffSchedule } from './backoff.js';
export { BaseClient, FeedClientError, PingTimeoutError, parseTarget, type Target } from './base.js';
export { head, parseMessage, readUpdateBytes, readUpdateString, type ParsedMessage } from './codecs/feed-message.js';
export { LongPollClient } from './long-poll.js';
export { PollAnswerReader } from './codecs/poll-answer.js';
export { ShortPollClient } from './short-poll.js';
export { encodeMarker, MARKER_BYTES, MarkerScanner, markedMessage, newRunTag } from './codecs/marker.js';
export { parsePollCursor, PollCursorState, type PollCursor } from './poll-cursor.js';
export { createSocketIoClient, SocketIoPollingClient, SocketIoWsClient } from './socketio.js';
export { SseClient } from './sse.js';
export { SseStreamParser, type SseStreamHandler } from './codecs/sse-stream.js';
export { WebSocketClient } from './websocket.js';
export * from './types.js';
export { PROTOCOLS, PROTOCOL_NAMES, type ProtocolDescriptor, type ProtocolName } from '../wire/protocols.js';
