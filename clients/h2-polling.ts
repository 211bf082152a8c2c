import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { MAX_ANSWER_BYTES } from './http.js';
import { overHttp2 } from './h2-client.js';
import { cancel, h2Headers, h2Request } from './h2-requests.js';
import { LongPollClient } from './long-poll.js';
import type { PollingClient } from './polling.js';
import { ShortPollClient } from './short-poll.js';
import type { FeedClientOptions } from './types.js';

/** A polling client class (`any[]`: what TypeScript asks of the constructor a mixin extends). */
type PollingClass = abstract new (...args: any[]) => PollingClient;

/**
 * `Polling` (long or short) over HTTP/2: each poll a stream on the connection, with the same
 * request target, answer, decoding and failure rules as a poll over HTTP/1.1
 * ({@link PollingClient}); only the exchange differs, so the schedule stays the subclass's.
 */
function pollingOverHttp2<Polling extends PollingClass>(Base: Polling) {
  abstract class H2Polling extends overHttp2(Base) {
    private inflight: ClientHttp2Stream | undefined;

    protected override poll(
      generation: number,
      path: string,
      extraQuery: string,
      timeoutMs: number,
      then: (generation: number) => void,
    ): void {
      let session: ClientHttp2Session;
      try {
        session = this.h2.connection.session();
      } catch (error) {
        this.lost(generation, { reason: `GET ${path}: ${(error as Error).message}`, error: error as Error });
        return;
      }
      const headers = this.acceptEncoding === undefined ? this.headers : { ...this.headers, 'accept-encoding': this.acceptEncoding };
      const target = this.pollTarget(path, extraQuery);
      const { stream, answer } = h2Request(session, h2Headers('GET', target, headers), undefined, MAX_ANSWER_BYTES, timeoutMs);
      this.counters.requests += 1;
      this.inflight = stream;
      answer.then(
        (received) => {
          if (this.inflight === stream) this.inflight = undefined;
          if (generation !== this.generation) return;
          const coding = received.headers['content-encoding'];
          if (
            this.deliver(
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
          this.lost(generation, { reason: `GET ${path}: ${error.message}`, error });
        },
      );
    }

    /** Abandons the poll in flight (the attempt ended). */
    protected override abandonExchange(): void {
      if (this.inflight !== undefined) cancel(this.inflight);
      this.inflight = undefined;
    }

    protected override teardown(): void {
      this.abandonExchange();
      super.teardown();
    }
  }
  return H2Polling;
}

/** Long polling over HTTP/2: each poll a stream on the connection, re-sent at once after every answer. */
export class H2LongPollClient extends pollingOverHttp2(LongPollClient) {
  constructor(options: FeedClientOptions) {
    super(options);
  }
}

/** Short polling over HTTP/2: each poll a stream on the connection, on the same fixed schedule as over HTTP/1.1. */
export class H2ShortPollClient extends pollingOverHttp2(ShortPollClient) {
  constructor(options: FeedClientOptions) {
    super(options);
  }
}
