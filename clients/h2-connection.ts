import http2, { type ClientHttp2Session } from 'node:http2';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { FeedClientError, parseTarget, type Target } from './base.js';
import { SocketMeter } from './meter.js';
import type { SharedHttp2 } from './types.js';

/**
 * Flow-control windows as browsers set them (Chrome: 6 MiB per stream, 15 MiB per connection):
 * with HTTP/2's default 64 KiB, many busy streams on one connection would wait on window
 * updates rather than on the network.
 */
const STREAM_WINDOW_BYTES = 6 * 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 15 * 1024 * 1024;

export interface H2ConnectionOptions {
  /** Certificate authority (PEM) trusted for https: besides the system's. */
  readonly ca?: string | Buffer | undefined;
  /** Accept a certificate that does not verify (self-signed). */
  readonly insecure?: boolean | undefined;
  /** Where the connection's socket is counted; its own meter when not given. */
  readonly meter?: SocketMeter;
}

/**
 * One HTTP/2 connection to the server, for SSE and polling clients: cleartext h2c with prior
 * knowledge for an http: URL, TLS with ALPN `h2` for https:. Many clients may share one, each
 * a stream on it (the point of HTTP/2, and the cure for a browser's six connections per host);
 * or each client may have its own. The session is opened on first use and again after it
 * ends, so clients that reconnect get a new one.
 *
 * Bytes are counted at the session's TCP (or TLS) socket, HTTP/2 framing and HPACK-compressed
 * headers included. A shared connection counts them itself (`bytesRead`, `bytesWritten`): they
 * cannot be told apart per client.
 */
export class H2Connection implements SharedHttp2 {
  readonly target: Target;
  private readonly meter: SocketMeter;
  private readonly trust: { rejectUnauthorized?: false; ca?: string | Buffer };
  private current: ClientHttp2Session | undefined;
  private closed = false;

  constructor(url: string, options: H2ConnectionOptions = {}) {
    this.target = parseTarget(url);
    this.meter = options.meter ?? new SocketMeter();
    this.trust = options.insecure === true ? { rejectUnauthorized: false } : options.ca === undefined ? {} : { ca: options.ca };
  }

  /** The open session, opened now if there is none. Throws once the connection is closed. */
  session(): ClientHttp2Session {
    if (this.closed) throw new FeedClientError('the HTTP/2 connection is closed');
    const current = this.current;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const socket = this.connect();
    const scheme = this.target.secure ? 'https' : 'http';
    const session = http2.connect(`${scheme}://${this.target.authority}`, {
      createConnection: () => socket,
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false },
    });
    // Each stream reports its own end; a session error ends the session, and the next use opens another.
    session.on('error', () => {});
    session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
    session.once('close', () => {
      if (this.current === session) this.current = undefined;
    });
    this.current = session;
    return session;
  }

  get bytesRead(): number {
    return this.meter.bytesRead;
  }

  get bytesWritten(): number {
    return this.meter.bytesWritten;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends the session and its socket; resolves once the socket has closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.current?.destroy();
    this.current = undefined;
    await this.meter.destroyAll();
  }

  private connect(): Socket {
    const { hostname, port, secure } = this.target;
    const socket = secure
      ? tls.connect({
          host: hostname,
          port,
          ALPNProtocols: ['h2'],
          ...this.trust,
          ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
        })
      : net.connect({ host: hostname, port });
    socket.setNoDelay(true);
    this.meter.track(socket);
    return socket;
  }
}
