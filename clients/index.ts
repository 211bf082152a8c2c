import type { BaseClient } from './base.js';
import { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
import { H2SseClient } from './h2-sse.js';
import { LongPollClient } from './long-poll.js';
import { ShortPollClient } from './short-poll.js';
import { SseClient } from './sse.js';
import type { FeedClient, FeedClientOptions } from './types.js';
import { WebSocketClient } from './websocket.js';

/**
 * Creates a client of `options.protocol`. Nothing is opened until `connect()`. Throws on a
 * bad option (URL, protocol, schedule) at once.
 */
export function createClient(options: FeedClientOptions): FeedClient {
  let client: BaseClient;
  const h2 = options.http2 !== undefined && options.http2 !== false;
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
export { BaseClient, FeedClientError, parseTarget, type Target } from './base.js';
export { head, parseMessage, readUpdateBytes, readUpdateString, type ParsedMessage } from './frame.js';
export { LongPollClient, DEFAULT_LONG_POLL_TIMEOUT_MS } from './long-poll.js';
export { PollAnswerReader } from './poll-answer.js';
export { ShortPollClient, DEFAULT_POLL_INTERVAL_MS } from './short-poll.js';
export { SseClient } from './sse.js';
export { SseStreamParser, type SseStreamHandler } from './sse-stream.js';
export { WebSocketClient } from './websocket.js';
export { H2Connection, type H2ConnectionOptions } from './h2-connection.js';
export { H2LongPollClient, H2ShortPollClient } from './h2-polling.js';
export { H2SseClient } from './h2-sse.js';
export * from './types.js';
