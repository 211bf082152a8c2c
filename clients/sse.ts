import type { Socket } from 'node:net';
import { nowMicros } from '../wire/clock.js';
import { FeedClientError, httpError, isRetryableStatus } from './base.js';
import { HttpFeedClient } from './http.js';
import { answerCoding } from './codecs/content-encoding.js';
import { BodyCollector, BodyDecoder, ResponseHeadReader, type ResponseHead } from './codecs/http-response.js';
import { StreamDecoder } from './content-decoder.js';
import { openSocket, requestHead } from './raw-socket.js';
import { SseStreamParser } from './codecs/sse-stream.js';
import type { FeedClientOptions } from './types.js';
import { PROTOCOLS } from '../wire/protocols.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Server-Sent Events: `GET /sse`, the stream parsed as it arrives. On reconnect the resume
 * point goes in the `Last-Event-ID: EPOCH:SEQ` header, as EventSource sends it. The stream's
 * `retry:` sets the first reconnect delay unless `reconnect.initialDelayMs` was given.
 *
 * The request is written and the answer read on the client's own metered socket (see
 * {@link openSocket}): the response head is parsed once, then the body (chunked, sized, or
 * delimited by the close) is decoded straight from each socket read and handed to the SSE
 * parser as ranges of the read buffer, without node:http's parser and streams in between.
 *
 * Any end of the stream that the client did not ask for (the server ended it, the socket
 * broke) is a lost connection; a 204 or a 4xx answer stops the client, as EventSource does.
 */
export class SseClient extends HttpFeedClient {
  readonly protocol = 'sse' as const;
  protected readonly parser: SseStreamParser;
  /** nowMicros() of the chunk being parsed: every event in one chunk arrived together. */
  protected chunkReceivedAt = 0;
  /** The socket of the current stream, its body decoder, and its content decoder when compressed. */
  private stream: { socket: Socket; decoder: BodyDecoder | undefined; content: StreamDecoder | undefined } | undefined;

  constructor(options: FeedClientOptions) {
    super(options);
    this.parser = new SseStreamParser(
      (data, start, end) => this.receive(data, start, end, this.chunkReceivedAt),
      (ms) => this.useServerRetry(ms),
    );
  }

  /** The last event ID the stream gave (EventSource's `lastEventId`). */
  get lastEventId(): string {
    return this.parser.lastEventId;
  }

  protected override open(generation: number): void {
    this.parser.reset();
    const headers: Record<string, string> = { ...this.headers, accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.acceptEncoding !== undefined) headers['accept-encoding'] = this.acceptEncoding;
    if (this.foreign !== undefined) {
      // Spec-exact resume on any server: the last `id:` the stream gave, as EventSource sends it.
      const lastEventId = this.parser.lastEventId;
      if (lastEventId !== '') headers['last-event-id'] = lastEventId;
    } else {
      const since = this.lastSeq;
      if (since !== undefined) headers['last-event-id'] = this.epoch === undefined ? String(since) : `${this.epoch}:${since}`;
    }
    // The cursor travels in Last-Event-ID: the query names the room only.
    const query = this.feedQuery(undefined);
    const path =
      this.foreign === undefined
        ? `${this.target.prefix}${PROTOCOLS.sse.path}${query === '' ? '' : `?${query}`}`
        : this.target.requestTarget;
    const request = requestHead('GET', path, this.target.authority, headers, { defaults: { Connection: 'keep-alive' } });
    const stream: { socket: Socket; decoder: BodyDecoder | undefined; content: StreamDecoder | undefined } = {
      socket: undefined as unknown as Socket,
      decoder: undefined,
      content: undefined,
    };

    const heads = new ResponseHeadReader();
    /** Set when the answer is not a stream: its body is read for the error it carries. */
    let refusal: BodyCollector | undefined;
    let lastError: Error | undefined;

    const streamSink = {
      data: (buf: Buffer, start: number, end: number): void => this.parser.push(buf, start, end),
      end: (): void => this.lost(generation, { reason: 'the server ended the stream' }),
      error: (message: string): void =>
        this.lost(generation, { reason: `the stream broke: ${message}`, error: new FeedClientError(message) }),
    };

    const answer = (head: ResponseHead, buf: Buffer, bodyStart: number, bodyEnd: number): void => {
      const { status } = head;
      const type = head.headers['content-type'] ?? '';
      const ok = status === 200 && type.startsWith('text/event-stream');
      let sink = streamSink;
      if (ok) {
        const coding = answerCoding(head.headers['content-encoding']);
        if (typeof coding === 'object') {
          this.lost(generation, { reason: `GET /sse: ${coding.unsupported}`, error: new FeedClientError(coding.unsupported) });
          return;
        }
        if (coding !== undefined) sink = this.decodingSink(generation, stream, coding, streamSink);
      }
      let decoder: BodyDecoder;
      try {
        decoder = new BodyDecoder(
          head,
          ok
            ? sink
            : (refusal = new BodyCollector(MAX_ERROR_BODY_BYTES, (body) =>
                this.refused(generation, status, type, body ?? Buffer.alloc(0)),
              )),
        );
      } catch (error) {
        if (ok) this.lost(generation, { reason: `GET /sse: ${(error as Error).message}`, error: error as Error });
        else this.refused(generation, status, type, Buffer.alloc(0));
        return;
      }
      stream.decoder = decoder;
      // The stream may stay silent for long (heartbeats every 15 s by default): from here on
      // only the socket's own end or error counts.
      if (ok) {
        socket.setTimeout(0);
        this.transportReady(this.chunkReceivedAt);
      }
      decoder.start();
      decoder.push(buf, bodyStart, bodyEnd);
    };

    // The hot path: one clock read per socket read, then the body straight from the bytes.
    const socket = openSocket(
      this.target,
      (buf, start, end) => {
        const decoder = stream.decoder;
        if (decoder !== undefined) {
          this.chunkReceivedAt = nowMicros();
          decoder.push(buf, start, end);
          return;
        }
        if (generation !== this.generation) return;
        let read;
        try {
          read = heads.push(buf, start, end);
        } catch (error) {
          this.lost(generation, { reason: `GET /sse: ${(error as Error).message}`, error: error as Error });
          return;
        }
        if (read === undefined) return;
        this.chunkReceivedAt = nowMicros();
        answer(read.head, read.buf, read.bodyStart, read.bodyEnd);
      },
      { insecure: this.insecure, ca: this.ca, localAddress: this.localAddress },
    );
    stream.socket = socket;
    this.stream = stream;
    this.meter.track(socket);
    this.counters.requests += 1;
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => {
      const decoder = stream.decoder;
      if (decoder === undefined) {
        const error = lastError ?? new FeedClientError('socket hang up');
        this.lost(generation, { reason: `GET /sse: ${error.message}`, error });
      } else if (refusal !== undefined) {
        if (!decoder.finish()) refusal.cutOff();
      } else if (!decoder.finish()) {
        // finish() reported the end of a close-delimited stream itself.
        this.lost(
          generation,
          lastError === undefined
            ? { reason: 'the stream was cut off' }
            : { reason: `the stream broke: ${lastError.message}`, error: lastError },
        );
      }
    });
    socket.setTimeout(this.requestTimeoutMs, () => {
      if (refusal !== undefined) {
        // The error answer stalled: settle it with what there is, as a cut-off body.
        socket.destroy();
        return;
      }
      const error = new FeedClientError(`no answer from GET /sse within ${this.requestTimeoutMs} ms`);
      this.lost(generation, { reason: `GET /sse: ${error.message}`, error });
    });
    socket.write(request);
  }

  /**
   * The body sink of a compressed stream: the compressed bytes go through a {@link StreamDecoder}
   * and what comes out to the SSE parser, stamped with the time it came out. The stream's end
   * is reported behind what is still being decoded.
   */
  private decodingSink(
    generation: number,
    stream: { content: StreamDecoder | undefined },
    coding: 'gzip' | 'br',
    plain: { data(buf: Buffer, start: number, end: number): void; end(): void; error(message: string): void },
  ): typeof plain {
    const content = new StreamDecoder(
      coding,
      (decoded) => {
        if (generation !== this.generation) return;
        this.chunkReceivedAt = nowMicros();
        this.counters.decompressedBytes += decoded.length;
        plain.data(decoded, 0, decoded.length);
      },
      (message) =>
        this.lost(generation, {
          reason: `GET /sse: the ${coding} stream does not decode: ${message}`,
          error: new FeedClientError(message),
        }),
    );
    stream.content = content;
    return {
      data: (buf, start, end) => {
        this.counters.compressedBytes += end - start;
        content.push(buf, start, end);
      },
      end: () => content.finish(() => plain.end()),
      error: (message) => plain.error(message),
    };
  }

  protected override teardown(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) {
      stream.decoder?.stop();
      stream.content?.close();
      stream.socket.destroy();
    }
    super.teardown();
  }

  /** The answer is not an event stream: stop (204, 4xx, a 200 of another type) or reconnect (5xx, 429). */
  protected refused(generation: number, status: number, type: string, body: Buffer): void {
    if (status === 200) {
      this.fail(
        generation,
        new FeedClientError(`GET /sse: answered with content-type ${JSON.stringify(type)}, not text/event-stream`, { status }),
      );
    } else if (status === 204) {
      this.fail(generation, new FeedClientError('GET /sse: the server answered 204: do not reconnect', { status }));
    } else {
      const error = httpError(status, body, 'GET /sse');
      if (isRetryableStatus(status)) this.lost(generation, { reason: error.message, code: status, error });
      else this.fail(generation, error);
    }
  }
}
