import type { OutgoingHttpHeaders } from 'node:http';
import { nowMicros } from '../servers/clock.js';
import { FeedClientError, httpError, isRetryableStatus } from './base.js';
import { HttpFeedClient, readBody } from './http.js';
import { SseParser } from './sse-parser.js';
import type { FeedClientOptions } from './types.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Server-Sent Events: `GET /sse`, the stream parsed as it arrives. On reconnect the resume
 * point goes in the `Last-Event-ID: EPOCH:SEQ` header, as EventSource sends it. The stream's
 * `retry:` sets the first reconnect delay unless `reconnect.initialDelayMs` was given.
 *
 * Any end of the stream that the client did not ask for (the server ended it, the socket
 * broke) is a lost connection; a 204 or a 4xx answer stops the client, as EventSource does.
 */
export class SseClient extends HttpFeedClient {
  readonly protocol = 'sse' as const;
  private readonly parser: SseParser;
  /** nowMicros() of the chunk being parsed: every event in one chunk arrived together. */
  private chunkReceivedAt = 0;

  constructor(options: FeedClientOptions) {
    super(options);
    this.parser = new SseParser(
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
    const headers: OutgoingHttpHeaders = { ...this.headers, accept: 'text/event-stream', 'cache-control': 'no-cache' };
    const since = this.lastSeq;
    if (since !== undefined) headers['last-event-id'] = this.epoch === undefined ? String(since) : `${this.epoch}:${since}`;
    const req = this.request('GET', '/sse', headers, this.agent, this.requestTimeoutMs);
    this.current = req;
    req.on('error', (error) => this.lost(generation, { reason: `GET /sse: ${error.message}`, error }));
    req.on('response', (res) => {
      if (generation !== this.generation) {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 0;
      const type = res.headers['content-type'] ?? '';
      if (status !== 200 || !type.startsWith('text/event-stream')) {
        readBody(res, MAX_ERROR_BODY_BYTES).then(
          (body) => this.refused(generation, status, type, body),
          () => this.refused(generation, status, type, Buffer.alloc(0)),
        );
        return;
      }
      // The stream may stay silent for long (heartbeats every 15 s by default): from here on
      // only the socket's own end or error counts.
      req.setTimeout(0);
      res.on('data', (chunk: Buffer) => {
        if (generation !== this.generation) return;
        this.chunkReceivedAt = nowMicros();
        this.parser.push(chunk);
      });
      res.on('end', () => this.lost(generation, { reason: 'the server ended the stream' }));
      res.on('error', (error) => this.lost(generation, { reason: `the stream broke: ${error.message}`, error }));
      res.on('close', () => this.lost(generation, { reason: 'the stream was cut off' }));
    });
    req.end();
  }

  private refused(generation: number, status: number, type: string, body: Buffer): void {
    if (status === 200) {
      this.fail(generation, new FeedClientError(`GET /sse: answered with content-type ${JSON.stringify(type)}, not text/event-stream`, { status }));
    } else if (status === 204) {
      this.fail(generation, new FeedClientError('GET /sse: the server answered 204: do not reconnect', { status }));
    } else {
      const error = httpError(status, body, 'GET /sse');
      if (isRetryableStatus(status)) this.lost(generation, { code: status, reason: error.message, error });
      else this.fail(generation, error);
    }
  }
}
