import type { BaseClient } from './base.js';
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
  switch (options.protocol) {
    case 'ws':
      client = new WebSocketClient(options);
      break;
    case 'sse':
      client = new SseClient(options);
      break;
    case 'long-poll':
      client = new LongPollClient(options);
      break;
    case 'short-poll':
      client = new ShortPollClient(options);
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
export * from './types.js';
