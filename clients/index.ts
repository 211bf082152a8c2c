import type { BaseClient } from './base.js';
import { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
import { H2SseClient } from './h2-sse.js';
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

/** The HTTP/2 client of each protocol that has one (WebSocket over HTTP/2, RFC 8441, is not supported). */
const H2_CLIENTS: Readonly<Partial<Record<ProtocolName, new (options: FeedClientOptions) => BaseClient>>> = Object.freeze({
  sse: H2SseClient,
  'long-poll': H2LongPollClient,
  'short-poll': H2ShortPollClient,
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
  if (options.http2 === undefined || options.http2 === false) return new CLIENTS[options.protocol](options);
  if (options.foreign !== undefined) throw new TypeError('http2 is for wirelab servers: a foreign target is spoken to over HTTP/1.1');
  const h2Client = H2_CLIENTS[options.protocol];
  if (h2Client === undefined)
    throw new TypeError(
      'WebSocket over HTTP/2 (RFC 8441) is not supported: the server stack (ws, @fastify/websocket) has no extended CONNECT',
    );
  return new h2Client(options);
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
export { H2Connection, type H2ConnectionOptions } from './h2-connection.js';
export { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
export { H2SseClient } from './h2-sse.js';
export * from './types.js';
export { PROTOCOLS, PROTOCOL_NAMES, type ProtocolDescriptor, type ProtocolName } from '../wire/protocols.js';
