import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { nowMicros } from '../wire/clock.js';
import { asError, FeedClientError, httpError } from './base.js';
import { parseMessage } from './codecs/feed-message.js';
import type { Counters } from './meter.js';
import type { SharedHttp2 } from './types.js';

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = http2.constants;
/** Largest PING, chat or error answer read. */
const MAX_SMALL_BODY_BYTES = 64 * 1024;

/** A whole answer to a request on an HTTP/2 stream. */
export interface H2Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** nowMicros() when the answer's last byte arrived. */
  readonly receivedAt: number;
}

/** The request headers of an HTTP/2 request: the pseudo-headers, then `headers` with names in lower case, as HTTP/2 requires. */
export function h2Headers(method: string, path: string, headers: Readonly<Record<string, string | number>>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { [HTTP2_HEADER_METHOD]: method, [HTTP2_HEADER_PATH]: path };
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // Connection-specific headers do not exist in HTTP/2 (RFC 9113 §8.2.2).
    if (lower === 'connection' || lower === 'keep-alive' || lower === 'host') continue;
    out[lower] = value;
  }
  return out;
}

/**
 * One request on `session` whose whole answer (at most `limit` bytes) is awaited. The stream is
 * cut when nothing happens on it for `timeoutMs`. The caller may cancel with {@link cancel}.
 */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body: string | undefined,
  limit: number,
  timeoutMs: number,
): { stream: ClientHttp2Stream; answer: Promise<H2Answer> } {
  const stream = session.request(headers, { endStream: body === undefined });
  const answer = new Promise<H2Answer>((resolve, reject) => {
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    let size = 0;
    stream.setTimeout(timeoutMs, () => {
      reject(
        new FeedClientError(
          `no answer from ${String(headers[HTTP2_HEADER_METHOD])} ${String(headers[HTTP2_HEADER_PATH])} within ${timeoutMs} ms`,
        ),
      );
      cancel(stream);
    });
    stream.on('response', (received) => {
      responseHeaders = received;
      status = Number(received[HTTP2_HEADER_STATUS] ?? 0);
    });
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new FeedClientError(`answer larger than ${limit} bytes`));
        cancel(stream);
        return;
      }
      parts.push(chunk);
    });
    stream.on('end', () => {
      // A stream cut by the session's end also ends, without an answer.
      if (status === 0) reject(new FeedClientError('the stream ended without an answer'));
      else
        resolve({
          status,
          headers: responseHeaders,
          body: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size),
          receivedAt: nowMicros(),
        });
    });
    stream.on('error', (error) => reject(error));
    stream.on('close', () =>
      reject(
        new FeedClientError(
          stream.rstCode === NGHTTP2_CANCEL
            ? 'the request was cancelled'
            : `the stream closed before the answer was complete (code ${stream.rstCode})`,
        ),
      ),
    );
  });
  if (body !== undefined) stream.end(body);
  return { stream, answer };
}

/** Abandons a request: RST_STREAM with CANCEL, as a browser does. */
export function cancel(stream: ClientHttp2Stream): void {
  if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL);
}

/** What an HTTP/2 client hands the side requests it makes on its connection. */
export interface H2SideHandlers {
  readonly counters: Counters;
  readonly headers: Readonly<Record<string, string>>;
  readonly prefix: string;
  readonly requestTimeoutMs: number;
  settlePing(id: string, serverTs: number, receivedAt: number): void;
  pingFailed(id: string, error: Error): void;
  chatAnswered(status: number, body: Buffer): void;
  chatFailed(error: Error): void;
}

/**
 * PING and chat of an HTTP/2 client, as streams on its own HTTP/2 connection (as a page's
 * `fetch` goes on the same HTTP/2 connection as its EventSource). Chat messages go one at a
 * time, in order, as they do over HTTP/1.1.
 */
export class H2SideRequests {
  private readonly streams = new Set<ClientHttp2Stream>();
  private readonly chatQueue: string[] = [];
  private chatInFlight = false;

  constructor(
    private readonly connection: SharedHttp2,
    private readonly client: H2SideHandlers,
  ) {}

  ping(id: string, sentAt: number): void {
    const body = `{"id":${JSON.stringify(id)},"ts":${sentAt}}`;
    this.send('/ping', body).then(
      (answer) => {
        if (answer.status !== 200) {
          this.client.pingFailed(id, httpError(answer.status, answer.body, 'POST /ping'));
          return;
        }
        const message = parseMessage(answer.body.toString('utf8'));
        if (message.kind === 'pong' && message.id === id) this.client.settlePing(id, message.serverTs, answer.receivedAt);
        else this.client.pingFailed(id, new FeedClientError(`POST /ping: not the expected pong: ${answer.body.toString('utf8', 0, 200)}`));
      },
      (error: unknown) => this.client.pingFailed(id, asError(error)),
    );
  }

  chat(body: string): void {
    this.chatQueue.push(body);
    if (!this.chatInFlight) this.nextChat();
  }

  /** Cancels every side request in flight and forgets queued chat. */
  cancelAll(): void {
    this.chatQueue.length = 0;
    for (const stream of this.streams) cancel(stream);
    this.streams.clear();
  }

  private nextChat(): void {
    const body = this.chatQueue.shift();
    if (body === undefined) {
      this.chatInFlight = false;
      return;
    }
    this.chatInFlight = true;
    this.send('/chat', body).then(
      (answer) => {
        this.client.chatAnswered(answer.status, answer.body);
        this.nextChat();
      },
      (error: unknown) => {
        this.client.chatFailed(asError(error));
        this.nextChat();
      },
    );
  }

  private send(path: string, body: string): Promise<H2Answer> {
    let session: ClientHttp2Session;
    try {
      session = this.connection.session();
    } catch (error) {
      return Promise.reject(asError(error));
    }
    const headers = h2Headers('POST', `${this.client.prefix}${path}`, {
      ...this.client.headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    const { stream, answer } = h2Request(session, headers, body, MAX_SMALL_BODY_BYTES, this.client.requestTimeoutMs);
    this.client.counters.requests += 1;
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return answer;
  }
}
