import type { ProtocolName } from '../wire/protocols.js';
import type { PollCursor } from './poll-cursor.js';

/**
 * Counted by every client; docs/clients.md defines each. Plain integers bumped where things
 * happen, except the byte totals, which are read from the client's sockets when asked for.
 */
export interface ClientCounters {
  /** Bytes read from every socket the client opened (HTTP headers, WS/SSE framing included). */
  readonly bytesRead: number;
  /** Bytes written to every socket the client opened. */
  readonly bytesWritten: number;
  /** HTTP requests sent: polls, SSE requests, WebSocket upgrades, PING POSTs. */
  readonly requests: number;
  /** Poll answers with no events. */
  readonly emptyPolls: number;
  /** Feed messages received: updates, `initial` and `reset`. */
  readonly messages: number;
  /** `reset` messages received. */
  readonly resets: number;
  /** Reconnect attempts (every attempt after the first connection attempt). */
  readonly reconnects: number;
  /** Connection attempts, the first one included. */
  readonly connectAttempts: number;
  /** Failures: lost connections, failed requests, error messages from the server. */
  readonly errors: number;
  /** PINGs sent. */
  readonly pings: number;
  /**
   * Compressed content received and decompressed: WebSocket messages with RSV1
   * (permessage-deflate), SSE streams and poll bodies with a Content-Encoding. Part of
   * `bytesRead`; what it decompressed to is `decompressedBytes`.
   */
  readonly compressedBytes: number;
  /** What `compressedBytes` decompressed to: the payload the application read. */
  readonly decompressedBytes: number;
  /** Chat messages sent (docs/protocol.md §7). */
  readonly chatSent: number;
  /** Chat messages the server refused for going over the rate limit (WL_RATE_LIMITED). */
  readonly chatRefused: number;
  /**
   * Bytes written for chat messages alone: their WebSocket frames, or the `POST /chat` requests
   * on the HTTP/1.1 chat connection (headers included). 0 over HTTP/2, where a stream's bytes
   * cannot be told apart from the rest of its connection's.
   */
  readonly chatBytesWritten: number;
  /** Foreign targets: messages that carried no marker of this run (a server's own messages). */
  readonly unmarked: number;
}

export interface FeedClientHandlers {
  /** Hot path: one call per received update; seq and ts read cheaply; no object allocation. */
  onUpdate(seq: number, ts: number, receivedAt: number, bytes: number): void;
  onSnapshot?(kind: 'initial' | 'reset', seq: number, epoch: string, reason?: string): void;
  /**
   * A connection (attempt) delivered its first feed message (polling: its first answer).
   * `connectMicros`: from starting the attempt to that moment.
   */
  onOpen?(connectMicros: number): void;
  /**
   * A connection ended: `code` is the WebSocket close code or the HTTP status when there is
   * one; `delayMs` the wait before the next attempt when `willReconnect`.
   */
  onClose?(info: CloseInfo): void;
  /** A fatal error (the client stops) or an `error` message from the server. */
  onError?(error: Error): void;
  /**
   * A chat message relayed by the server (docs/protocol.md §7): its sender, the sender's own
   * sequence number and send time (the sender's clock, µs), when it arrived here, and its size.
   * The same message also reaches `onUpdate`: it is an update of the room's feed.
   */
  onChat?(from: string, n: number, sentTs: number, receivedAt: number, bytes: number): void;
  /**
   * Foreign targets: a message without a marker of this run (receive-only runs count these).
   * `sentAtEpochMicros`: the send time the server wrote into it (`foreign.timestamp`), µs since
   * the Unix epoch on the server's clock, when there is one.
   */
  onUnmarked?(receivedAt: number, bytes: number, sentAtEpochMicros?: number): void;
}

export interface CloseInfo {
  code?: number;
  reason?: string;
  willReconnect: boolean;
  delayMs?: number;
  /** The error that ended the connection, when there was one (a socket error keeps its `code`, e.g. `EMFILE`). */
  error?: Error;
}

export interface ReconnectOptions {
  /** @default true */
  enabled?: boolean;
  /** @default 1000 (SSE: the stream's `retry:` when not given) */
  initialDelayMs?: number;
  /** @default 16000 */
  maxDelayMs?: number;
  /** @default 2 */
  multiplier?: number;
  /** 0 … 1, the largest fraction taken off each delay at random. @default 0.5 */
  jitter?: number;
  /** Consecutive failed reconnect attempts before giving up. @default unlimited */
  maxAttempts?: number;
}

export interface FeedClientOptions {
  /** Base URL of the server: `http://host:port`. */
  url: string;
  /**
   * Other instances of the same feed (servers sharing one broker, docs/scale-out.md): after a
   * lost connection each reconnect goes to the next URL in turn (`url` first, then these),
   * resuming with the cursor it holds. An instance that refuses the connection is left for the
   * next at once; the backoff advances once per round over the list (docs/clients.md).
   * @default none: every reconnect goes to `url`
   */
  urls?: readonly string[];
  protocol: ProtocolName;
  handlers: FeedClientHandlers;
  /** Resume point of the first connection (with `epoch`); a snapshot when absent. */
  since?: number;
  epoch?: string;
  /** Short polling: one request every this many ms, on a fixed schedule. @default 1000 */
  pollIntervalMs?: number;
  /** Long polling: the `timeout` asked of the server. @default 25000 */
  longPollTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra request headers (every request, the WebSocket upgrade included). */
  headers?: Record<string, string>;
  /** Names the client; default PING ids are `<id>-<n>`. */
  id?: string;
  /** A PING not answered by then is rejected. @default 10000 */
  pingTimeoutMs?: number;
  /** Longest wait for a connection or an answer's headers (long polls: timeout + this). @default 10000 */
  requestTimeoutMs?: number;
  /** A chat room to read (and to send chat to) instead of the main feed: `?room=NAME`. @default undefined (the main feed) */
  room?: string;
  /** WebSocket: offer permessage-deflate (RFC 7692), with or without context takeover. @default 'off' */
  wsDeflate?: 'off' | 'on' | 'no-context-takeover';
  /** SSE and polling: the `Accept-Encoding` sent (codings `gzip`, `br`, `identity`, with weights); decoded answers are counted in `decompressedBytes`. @default undefined (none sent) */
  acceptEncoding?: string;
  /**
   * SSE and polling over HTTP/2: `true` opens an HTTP/2 connection for this client (h2c with prior
   * knowledge for http:, TLS with ALPN h2 for https:); an `H2Connection` is shared, each client a
   * stream on it. WebSocket over HTTP/2 is not supported.
   * @default undefined (HTTP/1.1)
   */
  http2?: boolean | SharedHttp2;
  /** Certificate authority (PEM) trusted for https:/wss: besides the system's, e.g. a test certificate. @default undefined */
  ca?: string | Buffer;
  /** TLS: accept a certificate that does not verify (self-signed). @default false */
  insecure?: boolean;
  /**
   * The local address to connect from (bind before connect), e.g. `127.0.0.2`: one source
   * address has about 28,000 ephemeral ports, so tens of thousands of clients on loopback
   * spread over several. @default the system's choice
   */
  localAddress?: string;
  /**
   * Speak to a server that is not wirelab's (docs/targets.md): `url` is then the endpoint's
   * full URL, sent as given (path and query), and messages are read by `foreign.decoder`.
   */
  foreign?: ForeignFeed;
}

/**
 * Finds the harness's messages in what a foreign server sends: each scan of one whole message
 * (or poll answer) returns how many it holds and leaves their seqs and publish timestamps in
 * the two arrays (clients/codecs/marker.ts is the one in use).
 */
export interface MessageDecoder {
  scan(buf: Buffer, start: number, end: number, now: number): number;
  readonly seqs: readonly number[];
  readonly timestamps: readonly number[];
}

/** How a client follows a foreign server (docs/targets.md). */
export interface ForeignFeed {
  decoder: MessageDecoder;
  /** Polling: how an answer's position goes into the next request. @default none */
  cursor?: PollCursor;
  /** Short polling: after an answer that carried a message, poll again at once (nchan answers one message per poll). @default false */
  drain?: boolean;
  /** Speak Socket.IO v4 (Engine.IO v4) over the `ws` or `long-poll` transport instead of plain frames and answers. */
  socketio?: SocketIoDialect;
  /**
   * Receive-only: reads the server's own send time from a message without a marker
   * (clients/codecs/timestamp-field.ts). A poll answer with one counts as a message, not an empty poll.
   */
  timestamp?: { read(buf: Buffer, start: number, end: number): number | undefined };
  /**
   * WebSocket: ask for `subprotocol`, whose messages open with an `id: ID` line (nchan's
   * `ws+meta.nchan`), and resume after a reconnect with `?PARAM=ID` of the last message received.
   */
  wsMessageIds?: WsMessageIds;
}

export interface WsMessageIds {
  readonly subprotocol: string;
  /** The query parameter the last message id goes in on a reconnect. */
  readonly param: string;
}

export interface SocketIoDialect {
  /** The namespace joined. @default '/' */
  namespace?: string;
}

export interface PingResult {
  rttMicros: number;
  serverTs: number;
  sentAt: number;
  receivedAt: number;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface FeedClient {
  readonly protocol: ProtocolName;
  readonly state: ClientState;
  readonly counters: ClientCounters;
  readonly lastSeq: number | undefined;
  /** The instance (`host:port`) the current or next attempt goes to; with `urls` it moves on at each reconnect. */
  readonly instance: string;
  readonly epoch: string | undefined;
  /**
   * Starts the client; resolves when the first feed message arrives (polling: the first
   * answer), rejects if the client stops first (fatal error, close(), reconnect exhausted).
   */
  connect(): Promise<void>;
  /** One PING: WebSocket message, or `POST /ping` on a new connection over HTTP. */
  ping(id?: string): Promise<PingResult>;
  /**
   * Sends one chat message to the client's room: on the WebSocket itself, or `POST /chat` for
   * the HTTP protocols (one at a time, on a keep-alive connection of its own, or a stream of the
   * HTTP/2 connection). Returns its sequence number `n` (1, 2, 3 … per client). Throws when it
   * cannot be sent now (a WebSocket that is not open, a closed client).
   */
  chat(text: string): number;
  /**
   * Cuts the current connection as if it were lost (scenario `reconnect` against a server the
   * harness cannot drop connections of): the client reconnects with its backoff and resumes as
   * after any lost connection. False when there was no open connection to cut.
   */
  dropConnection(): boolean;
  /** Stops everything (timers, sockets, requests); resolves once the sockets are closed. */
  close(): Promise<void>;
}

/**
 * An HTTP/2 connection that several clients share, each a stream on it: an `H2Connection`
 * (clients/h2-connection.ts). It counts its bytes itself.
 */
export interface SharedHttp2 {
  /** The open session, opened now if there is none (or the last one ended). */
  session(): import('node:http2').ClientHttp2Session;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}
