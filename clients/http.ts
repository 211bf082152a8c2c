import http, { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { nowMicros } from '../wire/clock.js';
import { asError, BaseClient, FeedClientError, httpError } from './base.js';
import type { OutgoingChat } from './codecs/chat-message.js';
import { parseMessage } from './codecs/feed-message.js';
import type { H2SideHandlers } from './h2-requests.js';
import { SocketMeter } from './meter.js';

/** A complete HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly body: Buffer;
  /** nowMicros() when the last byte of the body arrived. */
  readonly receivedAt: number;
}

/** Largest answer body read (a poll answer of many big events); more is an error. */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
/** Largest error or PONG body read. */
const MAX_SMALL_BODY_BYTES = 64 * 1024;

/**
 * Reads a whole response body, at most `limit` bytes. Rejects when the response is cut off
 * or too large.
 */
export function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy(new FeedClientError(`answer larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new FeedClientError('the answer was cut off'));
    });
  });
}

/**
 * What the three HTTP protocols share: byte counting on every socket, and PING as
 * `POST /ping` on a new connection, as a browser's `fetch` would send it (through node:http:
 * it is not the hot path). The feed requests themselves (the SSE stream, the polls) are
 * written and read by the subclasses on sockets of their own (see `raw-socket.ts`).
 */
export abstract class HttpFeedClient extends BaseClient {
  /** PING and chat requests in flight. */
  private readonly pingRequests = new Set<ClientRequest>();
  /** The keep-alive connection chat messages go on, one request at a time, as a page's `fetch` reuses one. */
  private chatAgent: http.Agent | undefined;
  /** The chat connection's bytes alone (its sockets are on the client's meter too). */
  private readonly chatMeter = new SocketMeter();

  /**
   * Starts a request to `path` (under the URL's prefix) on a new connection (or on `agent`'s).
   * Counts it, meters its socket, and destroys it when no socket activity happens for
   * `timeoutMs`. The caller ends it.
   */
  protected request(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    timeoutMs: number,
    agent: http.Agent | false = false,
  ): ClientRequest {
    return this.requestTo(method, this.target.prefix + path, headers, timeoutMs, path, agent);
  }

  /** {@link request} with the request target (path and query) given whole; `label` names it in errors. */
  protected requestTo(
    method: string,
    requestTarget: string,
    headers: OutgoingHttpHeaders,
    timeoutMs: number,
    label = requestTarget,
    agent: http.Agent | false = false,
  ): ClientRequest {
    const send = this.target.secure ? https.request : http.request;
    const req = send({
      hostname: this.target.hostname,
      port: this.target.port,
      path: requestTarget,
      method,
      headers,
      agent,
      timeout: timeoutMs,
      // With an agent of its own, the trust settings are the agent's.
      ...(this.target.secure && agent === false ? this.tlsTrust() : {}),
    });
    this.counters.requests += 1;
    req.on('socket', (socket: Socket) => this.meter.track(socket));
    req.on('timeout', () => req.destroy(new FeedClientError(`no answer from ${method} ${label} within ${timeoutMs} ms`)));
    return req;
  }

  /** Resolves with the whole answer of `req`; rejects on a network error. */
  protected exchange(req: ClientRequest, limit: number): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        readBody(res, limit).then((body) => resolve({ status: res.statusCode ?? 0, body, receivedAt: nowMicros() }), reject);
      });
    });
  }

  protected override transmitPing(id: string, sentAt: number): void {
    const body = `{"id":${JSON.stringify(id)},"ts":${sentAt}}`;
    const headers = { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = this.request('POST', '/ping', headers, this.requestTimeoutMs);
    this.pingRequests.add(req);
    req.on('close', () => this.pingRequests.delete(req));
    this.exchange(req, MAX_SMALL_BODY_BYTES).then(
      (answer) => {
        if (answer.status !== 200) {
          this.pingFailed(id, httpError(answer.status, answer.body, 'POST /ping'));
          return;
        }
        const message = parseMessage(answer.body.toString('utf8'));
        if (message.kind === 'pong' && message.id === id) this.settlePing(id, message.serverTs, answer.receivedAt);
        else this.pingFailed(id, new FeedClientError(`POST /ping: not the expected pong: ${answer.body.toString('utf8', 0, 200)}`));
      },
      (error: unknown) => this.pingFailed(id, asError(error)),
    );
    req.end(body);
  }

  /** `POST /chat`, queued behind the previous one on the client's chat connection. */
  protected override transmitChat(message: OutgoingChat): void {
    const body = this.chatText(message, false);
    const headers = { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    this.chatAgent ??= this.target.secure
      ? new https.Agent({ keepAlive: true, maxSockets: 1, ...this.tlsTrust() })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const req = this.request('POST', '/chat', headers, this.requestTimeoutMs, this.chatAgent);
    req.on('socket', (socket: Socket) => this.chatMeter.track(socket));
    // Read when the answer is in: by then the request is on the wire.
    req.on('close', () => (this.counters.chatBytesWritten = this.chatMeter.bytesWritten));
    this.pingRequests.add(req);
    req.on('close', () => this.pingRequests.delete(req));
    this.exchange(req, MAX_SMALL_BODY_BYTES).then(
      (answer) => this.chatAnswered(answer.status, answer.body),
      (error: unknown) => this.chatFailed(asError(error)),
    );
    req.end(body);
  }

  /** The answer to a chat message: 204 relayed, 429 refused for the rate (counted, reported), anything else an error. */
  protected chatAnswered(status: number, body: Buffer): void {
    if (status === 204 || this.isClosed) return;
    this.counters.errors += 1;
    if (status === 429) this.counters.chatRefused += 1;
    this.handlers.onError?.(httpError(status, body, 'POST /chat'));
  }

  protected chatFailed(error: Error): void {
    if (this.isClosed) return;
    this.counters.errors += 1;
    this.handlers.onError?.(new FeedClientError(`POST /chat: ${error.message}`, { cause: error }));
  }

  /** What PING and chat requests made elsewhere (on an HTTP/2 connection) report back to. */
  protected sideRequestHandlers(): H2SideHandlers {
    return {
      counters: this.counters,
      headers: this.headers,
      prefix: this.target.prefix,
      requestTimeoutMs: this.requestTimeoutMs,
      settlePing: (id, serverTs, receivedAt) => this.settlePing(id, serverTs, receivedAt),
      pingFailed: (id, error) => this.pingFailed(id, error),
      chatAnswered: (status, body) => this.chatAnswered(status, body),
      chatFailed: (error) => this.chatFailed(error),
    };
  }

  /** The subclasses drop their feed connection; PINGs go on (they have connections of their own). */
  protected override teardown(): void {}

  protected override async shutdown(): Promise<void> {
    this.teardown();
    for (const req of this.pingRequests) req.destroy();
    this.pingRequests.clear();
    this.chatAgent?.destroy();
    await this.meter.destroyAll();
  }
}
