import type { Socket } from 'node:net';
import type { ClientCounters } from './types.js';

/**
 * Bytes at the sockets a client opened, headers and framing included: the sum of every closed
 * socket's final `bytesRead`/`bytesWritten` plus the current values of the open ones. Nothing
 * is counted per message; the totals are computed when read.
 */
export class SocketMeter {
  private closedRead = 0;
  private closedWritten = 0;
  private readonly open = new Set<Socket>();
  private readonly seen = new WeakSet<Socket>();

  /** Starts counting `socket` (once; a reused keep-alive socket is counted once). */
  track(socket: Socket): void {
    if (this.seen.has(socket)) return;
    this.seen.add(socket);
    this.open.add(socket);
    socket.once('close', () => {
      this.closedRead += socket.bytesRead;
      this.closedWritten += socket.bytesWritten;
      this.open.delete(socket);
    });
  }

  /** Sockets still open. */
  get openSockets(): number {
    return this.open.size;
  }

  /** Destroys every socket still open; resolves when each has emitted 'close'. */
  async destroyAll(): Promise<void> {
    const closing = [...this.open].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    );
    await Promise.all(closing);
  }

  get bytesRead(): number {
    let total = this.closedRead;
    for (const socket of this.open) total += socket.bytesRead;
    return total;
  }

  get bytesWritten(): number {
    let total = this.closedWritten;
    for (const socket of this.open) total += socket.bytesWritten;
    return total;
  }
}

/**
 * A client's counters: plain integers bumped where things happen, and the byte totals as
 * enumerable getters over the {@link SocketMeter}, so `{ ...counters }` and JSON see them.
 */
export class Counters implements ClientCounters {
  declare readonly bytesRead: number;
  declare readonly bytesWritten: number;
  requests = 0;
  emptyPolls = 0;
  messages = 0;
  resets = 0;
  reconnects = 0;
  connectAttempts = 0;
  errors = 0;
  pings = 0;
  compressedBytes = 0;
  decompressedBytes = 0;
  chatSent = 0;
  chatRefused = 0;
  chatBytesWritten = 0;
  unmarked = 0;

  constructor(meter: SocketMeter) {
    Object.defineProperties(this, {
      bytesRead: { get: () => meter.bytesRead, enumerable: true },
      bytesWritten: { get: () => meter.bytesWritten, enumerable: true },
    });
  }
}
