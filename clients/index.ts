import type { BaseClient } from './base.js';
import { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
import { H2SseClient } from './h2-sse.js';
import { LongPollClient } from './long-poll.js';
import { ShortPollClient } from './short-poll.js';
import { createSocketIoClient } from './socketio.js';
import { SseClient } from './sse.js';
import type { FeedClient, FeedClientOptions } from './types.js';
import { WebSocketClient } from './websocket.js';

/**
 * Creates a client of `options.protocol`. Nothing is opened until `connect()`. Throws on a
 * bad option (URL, protocol, schedule) at once.
 */
export function createClient(options: FeedClientOptions): FeedClient {
  if (options.foreign?.socketio !== undefined) return createSocketIoClient(options);
  let client: BaseClient;
  const h2 = options.http2 !== undefined && options.http2 !== false;
  if (h2 && options.foreign !== undefined) throw new TypeError('http2 is for wirelab servers: a foreign target is spoken to over HTTP/1.1');
  switch (options.protocol) {
    case 'ws':
      if (h2) throw new TypeError('WebSocket over HTTP/2 (RFC 8441) is not supported: the server stack (ws, @fastify/websocket) has no extended CONNECT');
      client = new WebSocketClient(options);
      break;
    case 'sse':
      client = h2 ? new H2SseClient(options) : new SseClient(options);
      break;
    case 'long-poll':
      client = h2 ? new H2LongPollClient(options) : new LongPollClient(options);
      break;
    case 'short-poll':
      client = h2 ? new H2ShortPollClient(options) : new ShortPollClient(options);
      break;
    default:
      throw new TypeError(`protocol must be ws, sse, long-poll or short-poll, got ${JSON.stringify(options.protocol)}`);
  }
  return client;
}

export { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff, type BackoffSchedule } from './backoff.js';
export { BaseClient, FeedClientError, PingTimeoutError, parseTarget, type Target } from './base.js';
export { head, parseMessage, readUpdateBytes, readUpdateString, type ParsedMessage } from './frame.js';
export { LongPollClient, DEFAULT_LONG_POLL_TIMEOUT_MS } from './long-poll.js';
export { PollAnswerReader } from './poll-answer.js';
export { ShortPollClient, DEFAULT_POLL_INTERVAL_MS } from './short-poll.js';
export { encodeMarker, MARKER_BYTES, MarkerScanner, markedMessage, newRunTag } from './codecs/marker.js';
export { parsePollCursor, PollCursorState, type PollCursor } from './poll-cursor.js';
export { createSocketIoClient, SocketIoPollingClient, SocketIoWsClient } from './socketio.js';
export { SseClient } from './sse.js';
export { SseStreamParser, type SseStreamHandler } from './sse-stream.js';
export { WebSocketClient } from './websocket.js';
export { H2Connection, type H2ConnectionOptions } from './h2-connection.js';
export { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
export { H2SseClient } from './h2-sse.js';
export * from './types.js';
