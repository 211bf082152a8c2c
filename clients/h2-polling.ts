import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { OutgoingChat } from './codecs/chat-message.js';
import { MAX_ANSWER_BYTES } from './http.js';
import { h2Parts, type H2Parts } from './h2-parts.js';
import { cancel, h2Headers, h2Request } from './h2-requests.js';
import { LongPollClient } from './long-poll.js';
import { ShortPollClient } from './short-poll.js';
import type { FeedClientOptions } from './types.js';

/** What an HTTP/2 polling client lends the request code: its protected parts, as functions. */
interface PollHost {
  readonly h2: H2Parts;
  readonly headers: Readonly<Record<string, string>>;
  readonly acceptEncoding: string | undefined;
  generation(): number;
  counted(): void;
  deliver(generation: number, path: string, status: number, contentEncoding: string | undefined, body: Buffer, receivedAt: number): boolean;
  lost(generation: number, reason: string, error: Error): void;
}

/**
 * One poll as a stream on the HTTP/2 connection: the same request target, answer, decoding
 * and failure rules as a poll over HTTP/1.1 ({@link PollingClient}); only the exchange differs.
 */
class H2Polls {
  private inflight: ClientHttp2Stream | undefined;

  constructor(private readonly host: PollHost) {}

  send(generation: number, path: string, target: string, timeoutMs: number, then: (generation: number) => void): void {
    const { host } = this;
    let session: ClientHttp2Session;
    try {
      session = host.h2.connection.session();
    } catch (error) {
      host.lost(generation, `GET ${path}: ${(error as Error).message}`, error as Error);
      return;
    }
    const headers = host.acceptEncoding === undefined ? host.headers : { ...host.headers, 'accept-encoding': host.acceptEncoding };
    const { stream, answer } = h2Request(session, h2Headers('GET', target, headers), undefined, MAX_ANSWER_BYTES, timeoutMs);
    host.counted();
    this.inflight = stream;
    answer.then(
      (received) => {
        if (this.inflight === stream) this.inflight = undefined;
        if (generation !== host.generation()) return;
        const coding = received.headers['content-encoding'];
        if (
          host.deliver(
            generation,
            path,
            received.status,
            typeof coding === 'string' ? coding : undefined,
            received.body,
            received.receivedAt,
          )
        )
          then(generation);
      },
      (error: Error) => {
        if (this.inflight === stream) this.inflight = undefined;
        host.lost(generation, `GET ${path}: ${error.message}`, error);
      },
    );
  }

  /** Abandons the poll in flight (the attempt ended). */
  cancel(): void {
    if (this.inflight !== undefined) cancel(this.inflight);
    this.inflight = undefined;
  }
}

/** Long polling over HTTP/2: each poll a stream on the connection, re-sent at once after every answer. */
export class H2LongPollClient extends LongPollClient {
  private readonly h2: H2Parts;
  private readonly polls: H2Polls;

  constructor(options: FeedClientOptions) {
    super(options);
    this.h2 = h2Parts(options, this.meter, this.sideRequestHandlers());
    this.polls = new H2Polls({
      h2: this.h2,
      headers: this.headers,
      acceptEncoding: this.acceptEncoding,
      generation: () => this.generation,
      counted: () => (this.counters.requests += 1),
      deliver: (...args) => this.deliver(...args),
      lost: (generation, reason, error) => this.lost(generation, { reason, error }),
    });
  }

  protected override poll(
    generation: number,
    path: string,
    extraQuery: string,
    timeoutMs: number,
    then: (generation: number) => void,
  ): void {
    this.polls.send(generation, path, this.pollTarget(path, extraQuery), timeoutMs, then);
  }

  protected override teardown(): void {
    this.polls.cancel();
    super.teardown();
  }

  protected override async shutdown(): Promise<void> {
    this.h2.side.cancelAll();
    this.polls.cancel();
    await this.h2.owned?.close();
    await super.shutdown();
  }

  protected override transmitPing(id: string, sentAt: number): void {
    this.h2.side.ping(id, sentAt);
  }

  protected override transmitChat(message: OutgoingChat): void {
    this.h2.side.chat(this.chatText(message, false));
  }
}

/** Short polling over HTTP/2: each poll a stream on the connection, on the same fixed schedule as over HTTP/1.1. */
export class H2ShortPollClient extends ShortPollClient {
  private readonly h2: H2Parts;
  private readonly polls: H2Polls;

  constructor(options: FeedClientOptions) {
    super(options);
    this.h2 = h2Parts(options, this.meter, this.sideRequestHandlers());
    this.polls = new H2Polls({
      h2: this.h2,
      headers: this.headers,
      acceptEncoding: this.acceptEncoding,
      generation: () => this.generation,
      counted: () => (this.counters.requests += 1),
      deliver: (...args) => this.deliver(...args),
      lost: (generation, reason, error) => this.lost(generation, { reason, error }),
    });
  }

  protected override poll(
    generation: number,
    path: string,
    extraQuery: string,
    timeoutMs: number,
    then: (generation: number) => void,
  ): void {
    this.polls.send(generation, path, this.pollTarget(path, extraQuery), timeoutMs, then);
  }

  protected override teardown(): void {
    this.polls.cancel();
    super.teardown();
  }

  protected override async shutdown(): Promise<void> {
    this.h2.side.cancelAll();
    this.polls.cancel();
    await this.h2.owned?.close();
    await super.shutdown();
  }

  protected override transmitPing(id: string, sentAt: number): void {
    this.h2.side.ping(id, sentAt);
  }

  protected override transmitChat(message: OutgoingChat): void {
    this.h2.side.chat(this.chatText(message, false));
  }
}
