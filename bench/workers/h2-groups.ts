import type { Socket } from 'node:net';
import { H2Connection } from '../../clients/h2-connection.js';
import { SocketMeter } from '../../clients/meter.js';

/** A SocketMeter that also counts the sockets it was given: one per HTTP/2 connection opened. */
class CountingMeter extends SocketMeter {
  opened = 0;

  override track(socket: Socket): void {
    this.opened += 1;
    super.track(socket);
  }
}

/**
 * The HTTP/2 connections of a worker's clients in an `…/h2` column: `perConnection` logical
 * clients share each (client k of the worker is a stream on connection ⌊k / perConnection⌋),
 * as a browser's tabs share one connection per origin; 1 gives every client its own. A shared
 * connection's bytes cannot be told apart per client, so they are counted here, once per
 * connection, with the connections opened (a connection lost and opened again counts again).
 */
export class H2Groups {
  /** Each connection with a meter of its own (closing one connection destroys its meter's sockets). */
  private readonly connections: Array<{ readonly connection: H2Connection; readonly meter: CountingMeter }> = [];

  constructor(
    private readonly url: string,
    readonly perConnection: number,
  ) {}

  /** The connection the worker's `k`-th client uses, made on first use (it connects when a client first needs it). */
  connectionFor(k: number): H2Connection {
    const group = Math.floor(k / this.perConnection);
    let entry = this.connections[group];
    if (entry === undefined) {
      const meter = new CountingMeter();
      entry = { connection: new H2Connection(this.url, { meter }), meter };
      this.connections[group] = entry;
    }
    return entry.connection;
  }

  get bytesRead(): number {
    return this.sum((meter) => meter.bytesRead);
  }

  get bytesWritten(): number {
    return this.sum((meter) => meter.bytesWritten);
  }

  /** TCP connections opened so far. */
  get opened(): number {
    return this.sum((meter) => meter.opened);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map(({ connection }) => connection.close()));
  }

  private sum(read: (meter: CountingMeter) => number): number {
    let total = 0;
    for (const entry of this.connections) if (entry !== undefined) total += read(entry.meter);
    return total;
  }
}
