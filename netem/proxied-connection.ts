/**
 * One client connection through the proxy: the accepted socket, its own upstream socket to
 * the target, and a delay line each way. Half-closes travel through the lines like data (a
 * FIN never overtakes bytes sent before it); an error or an abrupt close on one side resets
 * the other, as a peer's RST would.
 */
import { connect, type Socket } from 'node:net';
import { DelayLine, type DelayLineHooks, type DirectionShaping } from './delay-line.js';

export interface ConnectionHooks {
  forwardedToServer(bytes: number): void;
  forwardedToClient(bytes: number): void;
  queued: DelayLineHooks['queued'];
  paused: DelayLineHooks['paused'];
  upstreamFailed(error: Error): void;
  /** Both sockets are closed: called exactly once. */
  done(): void;
}

/** Closes a socket abruptly: an RST where the platform can send one, else a plain destroy. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // A socket still connecting has no connection to reset (and Node would defer the reset
  // until it connects); destroying it is the abrupt end that applies.
  if (socket.connecting || typeof socket.resetAndDestroy !== 'function') socket.destroy();
  else socket.resetAndDestroy();
}

export class ProxiedConnection {
  readonly upstream: Socket;
  private readonly toServer: DelayLine;
  private readonly toClient: DelayLine;
  private aborted = false;
  private closedSockets = 0;
  private upstreamConnected = false;

  constructor(
    readonly client: Socket,
    target: { host: string; port: number },
    shaping: { clientToServer: DirectionShaping; serverToClient: DirectionShaping },
    private readonly hooks: ConnectionHooks,
  ) {
    this.upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstream.once('connect', () => {
      this.upstreamConnected = true;
    });
    this.toServer = new DelayLine(client, this.upstream, shaping.clientToServer, {
      forwarded: hooks.forwardedToServer,
      queued: hooks.queued,
      paused: hooks.paused,
    });
    this.toClient = new DelayLine(this.upstream, client, shaping.serverToClient, {
      forwarded: hooks.forwardedToClient,
      queued: hooks.queued,
      paused: hooks.paused,
    });
    client.on('error', () => this.abort());
    this.upstream.on('error', (error) => {
      if (!this.upstreamConnected) hooks.upstreamFailed(error);
      this.abort();
    });
    client.on('close', () => this.socketClosed(client));
    this.upstream.on('close', () => this.socketClosed(this.upstream));
  }

  /** Bytes waiting in both directions. */
  get queuedBytes(): number {
    return this.toServer.queuedBytes + this.toClient.queuedBytes;
  }

  /** Drops the connection abruptly on both sides; false if it was already going. */
  reset(): boolean {
    if (this.aborted || this.closedSockets === 2) return false;
    this.abort();
    return true;
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.toServer.stop();
    this.toClient.stop();
    resetSocket(this.client);
    resetSocket(this.upstream);
  }

  private socketClosed(socket: Socket): void {
    // With half-open allowed, a socket closes cleanly only once both directions have ended;
    // any other close (destroyed, reset) means the connection is broken: break the other side too.
    if (!(socket.readableEnded && socket.writableFinished)) this.abort();
    this.closedSockets += 1;
    if (this.closedSockets === 2) {
      this.toServer.stop();
      this.toClient.stop();
      this.hooks.done();
    }
  }
}
