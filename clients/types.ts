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
  /** Foreign targets: a message without a marker of this run (receive-only runs count these). */
  onUnmarked?(receivedAt: number, bytes: number): void;
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
  readonly epoch: string | undefined;
  /**
   * Starts the client; resolves when the first feed message arrives (polling: the first
   * answer), rejects if the client stops first (fatal error, close(), reconnect exhausted).
   */
  connect(): Promise<void>;
  /** One PING: WebSocket message, or `POST /ping` on a new connection over HTTP. */
  ping(id?: string): Promise<PingResult>;
  /** Stops everything (timers, sockets, requests); resolves once the sockets are closed. */
  close(): Promise<void>;
}
