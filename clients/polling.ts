import type { Socket } from 'node:net';
import { nowMicros } from '../wire/clock.js';
import { FeedClientError, httpError, isRetryableStatus } from './base.js';
import { answerCoding } from './codecs/content-encoding.js';
import { decodeBody } from './content-decoder.js';
import { HttpFeedClient, MAX_ANSWER_BYTES } from './http.js';
import { BodyDecoder, ResponseHeadReader, type BodySink, type ResponseHead } from './codecs/http-response.js';
import { PollAnswerReader } from './codecs/poll-answer.js';
import { isEmptyPollStatus, NO_CURSOR, PollCursorState } from './poll-cursor.js';
import { openSocket, requestHead } from './raw-socket.js';
import type { FeedClientOptions } from './types.js';

/** Largest error body read (the `{"error":…}` of a non-200 answer). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * One poll on the wire: the request sent and its answer as far as it has arrived. It is also
 * the sink of the answer's body (a class, so no closures are made per request).
 */
class Exchange implements BodySink {
  /** Some byte of the answer has arrived. */
  answered = false;
  heads = new ResponseHeadReader();
  head: ResponseHead | undefined = undefined;
  decoder: BodyDecoder | undefined = undefined;
  /** The connection stays open after this answer. */
  keepAlive = true;
  /** The body, as far as it has arrived: parts[i] for i >= shared are views into the current read. */
  readonly parts: Buffer[] = [];
  shared = 0;
  size = 0;
  /** Largest body accepted. */
  limit = MAX_ANSWER_BYTES;
  /** The body is complete (`failure` undefined) or broken. */
  complete = false;
  failure: string | undefined = undefined;

  constructor(
    readonly generation: number,
    /** The path asked of {@link PollingClient.poll}; `label` is what was requested, for messages. */
    readonly path: string,
    readonly label: string,
    readonly extraQuery: string,
    readonly timeoutMs: number,
    readonly then: (generation: number) => void,
    /** This is the one retry of a request that failed on a stale keep-alive socket. */
    readonly retry: boolean,
    /** The request went out on a connection that had carried an earlier one. */
    readonly reused: boolean,
  ) {}

  data(buf: Buffer, start: number, end: number): void {
    if (this.complete) return;
    this.size += end - start;
    if (this.size > this.limit) {
      this.complete = true;
      this.failure = `answer larger than ${this.limit} bytes`;
      return;
    }
    this.parts.push(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  }

  end(): void {
    this.complete = true;
  }

  error(message: string): void {
    this.complete = true;
    this.failure = `bad body: ${message}`;
  }
}

/** The client's keep-alive connection. */
interface Connection {
  readonly socket: Socket;
  /** Requests written on it. */
  uses: number;
  /** The poll in flight on it, if any. */
  exchange: Exchange | undefined;
  /** The socket's last error. */
  error: Error | undefined;
  /** The socket's inactivity limit. */
  timeoutMs: number;
}

/**
 * What long and short polling share: one GET at a time on the client's keep-alive socket,
 * the answer `{"epoch","next","events"}` read without JSON.parse, `next` kept as the cursor.
 * The subclasses decide only when the next request goes out.
 *
 * The client speaks HTTP/1.1 itself on one persistent TCP (or TLS) connection opened with
 * {@link openSocket}, as the SSE client does: each request is written as bytes, and the answer
 * (head, then a body sized by Content-Length, chunked, or delimited by the close) is read
 * straight from the socket's reads. A body that arrives in one read (the usual case) is read
 * in place, without a copy. When the server closes the connection (`Connection: close`, an
 * idle keep-alive timeout, a drop), the next request opens a new one.
 */
export abstract class PollingClient extends HttpFeedClient {
  /** The `since` of the next request: the last answer's `next`. */
  private cursor: number | undefined;
  private readonly reader = new PollAnswerReader();
  /** Foreign targets: the position on the endpoint (ETag, Last-Modified or a query value). */
  protected readonly cursorState: PollCursorState | undefined;
  /** The last answer carried a message (foreign targets: a 200, marked or not). */
  protected lastAnswerCarried = false;
  /**
   * Foreign long polling: the server holds the first poll until something is published, so
   * the attempt counts as open once its connection is up rather than at the first answer.
   */
  protected opensOnConnect = false;
  /**
   * Retry at once, once, a request that failed on a reused keep-alive socket before any byte
   * of the answer: the server closed the idle socket just as it was reused (what browsers
   * retry silently too). Short polling only: a held long poll that breaks is a real drop.
   */
  protected retryStaleSocket = false;
  private connection: Connection | undefined;
  /** The request head after its request line: Host, the caller's headers, Connection. */
  private readonly headTail: string;

  constructor(options: FeedClientOptions) {
    super(options);
    this.cursor = options.since;
    this.cursorState = options.foreign === undefined ? undefined : new PollCursorState(options.foreign.cursor ?? NO_CURSOR);
    const headers = this.acceptEncoding === undefined ? this.headers : { ...this.headers, 'accept-encoding': this.acceptEncoding };
    const head = requestHead('GET', '/', this.target.authority, headers, { defaults: { Connection: 'keep-alive' } });
    this.headTail = head.slice(head.indexOf('\r\n') + 2);
  }

  /**
   * Sends one poll for attempt `generation`; on a good answer delivers its events and calls
   * `then(generation)`. A failed request, a 5xx/429 or a malformed answer is a lost
   * connection (reconnect with backoff); any other 4xx stops the client. A foreign endpoint is
   * asked at its own request target with the cursor's query and headers instead
   * ({@link foreignTarget}); `path` and `extraQuery` are then only wirelab's.
   */
  protected poll(
    generation: number,
    path: string,
    extraQuery: string,
    timeoutMs: number,
    then: (generation: number) => void,
    retry = false,
  ): void {
    let target: string;
    let extraHeaders = '';
    if (this.foreign === undefined) {
      target = this.pollTarget(path, extraQuery);
    } else {
      target = this.foreignTarget();
      extraHeaders = this.cursorState?.headerLines() ?? '';
    }
    let connection = this.connection;
    if (connection === undefined || connection.socket.destroyed || connection.socket.writableEnded || connection.socket.readableEnded)
      connection = this.openConnection();
    const reused = connection.uses > 0;
    connection.uses += 1;
    // A foreign endpoint is named by its path only: its query may hold a credential.
    connection.exchange = new Exchange(
      generation,
      path,
      this.foreign === undefined ? path : target.split('?', 1)[0]!,
      extraQuery,
      timeoutMs,
      then,
      retry,
      reused,
    );
    this.counters.requests += 1;
    // The socket's inactivity timer is refreshed by every read and write; it is set again
    // only when the limit changes. While no poll is in flight it is ignored.
    if (connection.timeoutMs !== timeoutMs) {
      connection.timeoutMs = timeoutMs;
      connection.socket.setTimeout(timeoutMs);
    }
    connection.socket.write(`GET ${target} HTTP/1.1\r\n${extraHeaders}${this.headTailFor(this.target.authority)}`, 'latin1');
  }

  /** The instance the request head was built for (the first URL); `urls` may move the client on. */
  private readonly headAuthority = this.target.authority;

  /** The request head's tail for the instance the client now talks to: only its Host line differs. */
  private headTailFor(authority: string): string {
    if (authority === this.headAuthority) return this.headTail;
    // Built once per move, not per poll.
    if (this.movedHead?.authority !== authority) {
      this.movedHead = { authority, tail: this.headTail.replace(`Host: ${this.headAuthority}\r\n`, `Host: ${authority}\r\n`) };
    }
    return this.movedHead.tail;
  }

  private movedHead: { authority: string; tail: string } | undefined;

  /** Foreign targets: the request target of the next poll (the endpoint's, with the cursor's query). */
  protected foreignTarget(): string {
    return this.cursorState === undefined ? this.target.requestTarget : this.cursorState.target(this.target.requestTarget);
  }

  /** The request target of the next poll: path, room, cursor (`next` of the last answer), then `extraQuery`. */
  protected pollTarget(path: string, extraQuery: string): string {
    const cursor = this.feedQuery(this.cursor);
    const query = cursor === '' ? extraQuery : extraQuery === '' ? cursor : `${cursor}&${extraQuery}`;
    return `${this.target.prefix}${path}${query === '' ? '' : `?${query}`}`;
  }

  /** Opens a new connection (the old one, if any, is gone) and makes it the client's. */
  private openConnection(): Connection {
    const connection: Connection = { socket: undefined as unknown as Socket, uses: 0, exchange: undefined, error: undefined, timeoutMs: 0 };
    const socket = openSocket(this.target, (buf, start, end) => this.onRead(connection, buf, start, end), {
      insecure: this.insecure,
      ca: this.ca,
      localAddress: this.localAddress,
    });
    (connection as { socket: Socket }).socket = socket;
    this.connection = connection;
    this.meter.track(socket);
    if (this.opensOnConnect) {
      const generation = this.generation;
      socket.once(this.target.secure ? 'secureConnect' : 'connect', () => {
        if (generation === this.generation) this.transportReady(nowMicros());
      });
    }
    socket.on('error', (error) => {
      connection.error = error;
    });
    socket.on('timeout', () => this.onTimeout(connection));
    socket.on('close', () => this.onClose(connection));
    return connection;
  }

  /** The hot path: one socket read, parsed at once. */
  private onRead(connection: Connection, buf: Buffer, start: number, end: number): void {
    const exchange = connection.exchange;
    if (exchange === undefined) {
      // Bytes nobody asked for: the connection cannot be trusted for the next request.
      if (start < end) this.drop(connection);
      return;
    }
    exchange.answered = true;
    let from = start;
    if (exchange.decoder === undefined) {
      let read;
      try {
        read = exchange.heads.push(buf, start, end);
        while (read !== undefined && read.head.status >= 100 && read.head.status < 200 && read.head.status !== 101) {
          // An interim answer (100 Continue, 103 Early Hints): the real one follows.
          exchange.heads = new ResponseHeadReader();
          read = exchange.heads.push(read.buf, read.bodyStart, read.bodyEnd);
        }
        if (read === undefined) return;
        this.startBody(exchange, read.head);
      } catch (error) {
        this.failExchange(connection, exchange, `GET ${exchange.label}: ${(error as Error).message}`, error as Error);
        return;
      }
      buf = read.buf;
      from = read.bodyStart;
      end = read.bodyEnd;
      exchange.decoder!.start();
    }
    if (!exchange.complete) exchange.decoder!.push(buf, from, end);
    if (exchange.complete) {
      this.finishExchange(connection, exchange, nowMicros());
      return;
    }
    // The body goes on in a later read: keep what this read gave (the read buffer is reused).
    const parts = exchange.parts;
    for (let i = exchange.shared; i < parts.length; i++) parts[i] = Buffer.from(parts[i]!);
    exchange.shared = parts.length;
  }

  /** The head of the answer arrived: choose how its body is read. */
  private startBody(exchange: Exchange, head: ResponseHead): void {
    exchange.head = head;
    const connectionHeader = head.headers.connection?.toLowerCase() ?? '';
    exchange.keepAlive = head.version === 'HTTP/1.1' ? !/\bclose\b/.test(connectionHeader) : /\bkeep-alive\b/.test(connectionHeader);
    exchange.limit = head.status === 200 ? MAX_ANSWER_BYTES : MAX_ERROR_BODY_BYTES;
    exchange.decoder = new BodyDecoder(head, exchange);
  }

  /** The answer of `exchange` is complete (or broken): hand it on, free the connection. */
  private finishExchange(connection: Connection, exchange: Exchange, receivedAt: number): void {
    connection.exchange = undefined;
    if (exchange.failure !== undefined) {
      this.drop(connection);
      const error = new FeedClientError(`GET ${exchange.label}: ${exchange.failure}`);
      this.lost(exchange.generation, { reason: error.message, error });
      return;
    }
    if (!exchange.keepAlive) this.drop(connection);
    const parts = exchange.parts;
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, exchange.size);
    if (exchange.generation !== this.generation) return;
    const head = exchange.head!;
    const delivered =
      this.foreign === undefined
        ? this.deliver(exchange.generation, exchange.label, head.status, head.headers['content-encoding'], body, receivedAt)
        : this.deliverForeign(exchange.generation, exchange.label, head, body, receivedAt);
    if (delivered) exchange.then(exchange.generation);
  }

  /** The request of `exchange` failed: a lost connection. */
  private failExchange(connection: Connection, exchange: Exchange, reason: string, error: Error): void {
    connection.exchange = undefined;
    this.drop(connection);
    this.lost(exchange.generation, { reason, error });
  }

  private onTimeout(connection: Connection): void {
    const exchange = connection.exchange;
    if (exchange === undefined) return;
    const what = `GET ${exchange.label}`;
    this.failExchange(
      connection,
      exchange,
      `${what}: no answer from ${what} within ${exchange.timeoutMs} ms`,
      new FeedClientError(`no answer from ${what} within ${exchange.timeoutMs} ms`),
    );
  }

  private onClose(connection: Connection): void {
    if (this.connection === connection) this.connection = undefined;
    const exchange = connection.exchange;
    if (exchange === undefined) return;
    connection.exchange = undefined;
    if (exchange.decoder !== undefined && exchange.decoder.finish()) {
      // A body delimited by the close (or one the close completed): the answer is whole.
      exchange.keepAlive = false;
      this.finishExchange(connection, exchange, nowMicros());
      return;
    }
    if (exchange.generation !== this.generation) return;
    if (this.retryStaleSocket && !exchange.retry && exchange.reused && !exchange.answered) {
      // The server closed the idle connection just as it was reused: once more, at once.
      this.poll(exchange.generation, exchange.path, exchange.extraQuery, exchange.timeoutMs, exchange.then, true);
      return;
    }
    const cause = connection.error ?? new FeedClientError(exchange.answered ? 'the answer was cut off' : 'socket hang up');
    this.lost(exchange.generation, { reason: `GET ${exchange.label}: ${cause.message}`, error: cause });
  }

  /** Closes `connection` at once; a poll in flight on it is abandoned (the caller reports it). */
  private drop(connection: Connection): void {
    connection.exchange = undefined;
    if (this.connection === connection) this.connection = undefined;
    connection.socket.destroy();
  }

  /**
   * Delivers one answer (decoded first when it has a Content-Encoding); false when the attempt
   * ended (error, or closed by a handler).
   */
  protected deliver(
    generation: number,
    path: string,
    status: number,
    contentEncoding: string | undefined,
    received: Buffer,
    receivedAt: number,
  ): boolean {
    let body = received;
    const coding = answerCoding(contentEncoding);
    try {
      if (typeof coding === 'object') throw new Error(coding.unsupported);
      if (coding !== undefined) {
        body = decodeBody(coding, received, MAX_ANSWER_BYTES);
        this.counters.compressedBytes += received.length;
        this.counters.decompressedBytes += body.length;
      }
    } catch (error) {
      const failure = new FeedClientError(`GET ${path}: the answer does not decode: ${(error as Error).message}`);
      this.lost(generation, { reason: failure.message, error: failure });
      return false;
    }
    if (status !== 200) {
      const error = httpError(status, body, `GET ${path}`);
      if (isRetryableStatus(status)) this.lost(generation, { code: status, reason: error.message, error });
      else this.fail(generation, error);
      return false;
    }
    const reader = this.reader;
    if (!reader.read(body, this.epoch)) {
      const error = new FeedClientError(`GET ${path}: bad answer: ${reader.error}`);
      this.lost(generation, { reason: error.message, error });
      return false;
    }
    if (reader.epoch !== this.epoch) this.setEpoch(reader.epoch);
    this.cursor = reader.next;
    this.markOpen(receivedAt);
    const count = reader.count;
    if (count === 0) {
      this.counters.emptyPolls += 1;
      return generation === this.generation;
    }
    const ranges = reader.ranges;
    for (let i = 0; i < count && generation === this.generation; i++) {
      this.receive(body, ranges[2 * i]!, ranges[2 * i + 1]!, receivedAt);
    }
    return generation === this.generation;
  }

  /**
   * Delivers one answer of a foreign endpoint: a 200 is one message (or several, batched: every
   * marker in the body counts); 304, 204 and 408 (a hold that timed out) mean nothing new. Both
   * move the cursor. False when the attempt ended.
   */
  protected deliverForeign(generation: number, label: string, head: ResponseHead, body: Buffer, receivedAt: number): boolean {
    const { status } = head;
    const empty = isEmptyPollStatus(status);
    if (status !== 200 && !empty) {
      const error = httpError(status, body, `GET ${label}`);
      if (isRetryableStatus(status)) this.lost(generation, { code: status, reason: error.message, error });
      else this.fail(generation, error);
      return false;
    }
    this.cursorState?.update(head, body);
    this.markOpen(receivedAt);
    this.lastAnswerCarried = !empty;
    const found = empty || body.length === 0 ? 0 : this.receiveMarked(body, 0, body.length, receivedAt);
    // Receive-only with the server's own send time: an answer that has one is a message.
    const sentAt = found === 0 && !empty && body.length > 0 ? this.foreign?.timestamp?.read(body, 0, body.length) : undefined;
    if (sentAt !== undefined) this.countUnmarked(body.length, receivedAt, sentAt);
    else if (found === 0) this.counters.emptyPolls += 1;
    return generation === this.generation;
  }

  /** Drops the poll in flight (the attempt ended); an idle keep-alive connection is kept. */
  protected override teardown(): void {
    const connection = this.connection;
    if (connection !== undefined && connection.exchange !== undefined) this.drop(connection);
    super.teardown();
  }

  protected override async shutdown(): Promise<void> {
    const connection = this.connection;
    if (connection !== undefined) this.drop(connection);
    await super.shutdown();
  }
}
