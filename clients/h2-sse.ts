import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { nowMicros } from '../wire/clock.js';
import { FeedClientError } from './base.js';
import { answerCoding } from './codecs/content-encoding.js';
import { StreamDecoder } from './content-decoder.js';
import { overHttp2 } from './h2-client.js';
import { cancel, h2Headers } from './h2-requests.js';
import { SseClient } from './sse.js';
import type { FeedClientOptions } from './types.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The stream of one attempt. */
interface Attempt {
  readonly stream: ClientHttp2Stream;
  content: StreamDecoder | undefined;
  /** The stream ended in order (its end is reported once what is being decoded has come out). */
  ended: boolean;
}

/**
 * Server-Sent Events over HTTP/2: `GET /sse` as a stream on an HTTP/2 connection (its own, or
 * one shared with other clients), with the same events, resume by `Last-Event-ID`, reconnect
 * rules and errors as {@link SseClient}. PING and chat go as streams on the same connection.
 */
export class H2SseClient extends overHttp2(SseClient) {
  private attempt: Attempt | undefined;

  constructor(options: FeedClientOptions) {
    super(options);
  }

  protected override open(generation: number): void {
    this.parser.reset();
    const headers: Record<string, string> = { ...this.headers, accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.acceptEncoding !== undefined) headers['accept-encoding'] = this.acceptEncoding;
    const since = this.lastSeq;
    if (since !== undefined) headers['last-event-id'] = this.epoch === undefined ? String(since) : `${this.epoch}:${since}`;
    const query = this.feedQuery(undefined);
    let session: ClientHttp2Session;
    try {
      session = this.h2.connection.session();
    } catch (error) {
      this.lost(generation, { reason: `GET /sse: ${(error as Error).message}`, error: error as Error });
      return;
    }
    const stream = session.request(h2Headers('GET', `${this.target.prefix}/sse${query === '' ? '' : `?${query}`}`, headers), {
      endStream: true,
    });
    this.counters.requests += 1;
    const attempt: Attempt = { stream, content: undefined, ended: false };
    this.attempt = attempt;
    let streaming = false;
    let refusal: { status: number; type: string; parts: Buffer[]; size: number } | undefined;
    let lastError: Error | undefined;

    stream.setTimeout(this.requestTimeoutMs, () => {
      if (streaming) return;
      const error = new FeedClientError(`no answer from GET /sse within ${this.requestTimeoutMs} ms`);
      this.lost(generation, { reason: `GET /sse: ${error.message}`, error });
      cancel(stream);
    });
    stream.on('response', (received) => {
      const status = Number(received[':status']);
      const type = String(received['content-type'] ?? '');
      if (status !== 200 || !type.startsWith('text/event-stream')) {
        refusal = { status, type, parts: [], size: 0 };
        return;
      }
      const coding = answerCoding(received['content-encoding'] as string | undefined);
      if (typeof coding === 'object') {
        this.lost(generation, { reason: `GET /sse: ${coding.unsupported}`, error: new FeedClientError(coding.unsupported) });
        cancel(stream);
        return;
      }
      streaming = true;
      // The stream may stay silent for long (heartbeats every 15 s by default).
      stream.setTimeout(0);
      if (coding !== undefined) {
        attempt.content = new StreamDecoder(
          coding,
          (decoded) => {
            if (generation !== this.generation) return;
            this.chunkReceivedAt = nowMicros();
            this.counters.decompressedBytes += decoded.length;
            this.parser.push(decoded, 0, decoded.length);
          },
          (message) =>
            this.lost(generation, {
              reason: `GET /sse: the ${coding} stream does not decode: ${message}`,
              error: new FeedClientError(message),
            }),
        );
      }
    });
    stream.on('data', (chunk: Buffer) => {
      if (refusal !== undefined) {
        refusal.size += chunk.length;
        if (refusal.size <= MAX_ERROR_BODY_BYTES) refusal.parts.push(chunk);
        return;
      }
      if (!streaming || generation !== this.generation) return;
      if (attempt.content !== undefined) {
        this.counters.compressedBytes += chunk.length;
        attempt.content.push(chunk, 0, chunk.length);
        return;
      }
      this.chunkReceivedAt = nowMicros();
      this.parser.push(chunk, 0, chunk.length);
    });
    stream.on('end', () => {
      attempt.ended = true;
      if (refusal !== undefined) {
        this.refused(
          generation,
          refusal.status,
          refusal.type,
          refusal.size <= MAX_ERROR_BODY_BYTES ? Buffer.concat(refusal.parts) : Buffer.alloc(0),
        );
        return;
      }
      const report = (): void => this.lost(generation, { reason: 'the server ended the stream' });
      if (attempt.content !== undefined) attempt.content.finish(report);
      else report();
    });
    stream.on('error', (error) => {
      lastError = error;
    });
    stream.on('close', () => {
      if (attempt.ended) return;
      const reason =
        lastError === undefined ? `the stream was closed (HTTP/2 code ${stream.rstCode})` : `the stream broke: ${lastError.message}`;
      this.lost(generation, { reason, error: lastError });
    });
  }

  protected override teardown(): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    if (attempt !== undefined) {
      attempt.content?.close();
      cancel(attempt.stream);
    }
    super.teardown();
  }

  protected override abandonExchange(): void {
    this.teardown();
  }
}
