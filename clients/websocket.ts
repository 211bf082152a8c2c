import net, { type NetConnectOpts, type Socket } from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import WebSocket, { type RawData } from 'ws';
import { nowMicros } from '../servers/clock.js';
import { BaseClient, FeedClientError, httpError, isRetryableStatus } from './base.js';
import { readBody } from './http.js';
import type { FeedClientOptions } from './types.js';

/** How long close() waits for the server's closing handshake before cutting the socket. */
const CLOSE_WAIT_MS = 1000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * WebSocket (the `ws` package, no extensions): `GET /ws?since=S&epoch=E`. Frames arrive as
 * Buffers and updates are read from the bytes without converting them to a string. The
 * socket is created here so that its bytes, the upgrade included, are metered.
 *
 * Any close the client did not ask for (4000 drop, 1001 shutdown, 4002 slow consumer, a
 * broken socket, …) is a lost connection and leads to a reconnect; a 4xx answer to the
 * upgrade (other than 429) stops the client.
 */
export class WebSocketClient extends BaseClient {
  readonly protocol = 'ws' as const;
  private socket: WebSocket | undefined;

  constructor(options: FeedClientOptions) {
    super(options);
  }

  protected override open(generation: number): void {
    const query = this.cursorQuery();
    const { secure, authority, prefix } = this.target;
    const url = `${secure ? 'wss' : 'ws'}://${authority}${prefix}/ws${query === '' ? '' : `?${query}`}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      // Only the ASCII head of a message is read on the hot path; full parses go through
      // JSON.parse, which copes with any bytes.
      skipUTF8Validation: true,
      headers: this.headers,
      handshakeTimeout: this.requestTimeoutMs,
      createConnection: this.connectSocket as unknown as typeof net.createConnection,
    });
    this.socket = ws;
    this.counters.requests += 1;
    let lastError: Error | undefined;

    ws.on('message', (data: RawData) => {
      if (generation !== this.generation) return;
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.receive(buf, 0, buf.length, nowMicros());
    });
    ws.on('error', (error) => {
      lastError = error;
    });
    ws.on('close', (code, reason) => {
      const text = reason.length > 0 ? reason.toString('utf8') : (lastError?.message ?? `closed with code ${code}`);
      this.lost(generation, { code, reason: text, error: lastError });
    });
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      const settle = (body: Buffer): void => {
        const error = httpError(status, body, 'WebSocket upgrade');
        if (isRetryableStatus(status)) this.lost(generation, { code: status, reason: error.message, error });
        else this.fail(generation, error);
        ws.terminate();
      };
      readBody(res, MAX_ERROR_BODY_BYTES).then(settle, () => settle(Buffer.alloc(0)));
    });
  }

  protected override teardown(): void {
    const ws = this.socket;
    this.socket = undefined;
    ws?.terminate();
    this.failAllPings(new FeedClientError('the WebSocket closed before the pong arrived'));
  }

  protected override async shutdown(): Promise<void> {
    const ws = this.socket;
    this.socket = undefined;
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(1000, 'client close');
      });
    } else {
      ws?.terminate();
    }
    await this.meter.destroyAll();
  }

  protected override transmitPing(id: string, sentAt: number): void {
    const ws = this.socket;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) throw new FeedClientError('the WebSocket is not open');
    ws.send(`{"type":"ping","id":${JSON.stringify(id)},"ts":${sentAt}}`);
  }

  /** ws's own connect, plus metering of the socket. */
  private readonly connectSocket = (options: NetConnectOpts & ConnectionOptions & { socketPath?: string; host?: string }): Socket => {
    let socket: Socket;
    if (this.target.secure) {
      const servername = options.servername ?? (net.isIP(options.host ?? '') ? '' : options.host);
      socket = tls.connect({ ...options, path: undefined, ...(servername === undefined ? {} : { servername }) } as ConnectionOptions);
    } else {
      socket = net.connect({ ...options, path: options.socketPath } as NetConnectOpts);
    }
    this.meter.track(socket);
    return socket;
  };
}
