import type { FlushingCompressor } from './flushing-compressor.js';

/** Where a push transport's bytes go: a connection seen as a writable byte sink. */
export interface ByteOutput {
  /** Hands bytes on; false when backed up and `onceDrained` applies. */
  write(chunk: Buffer): boolean;
  /** Bytes handed on and not yet taken by the kernel. */
  pending(): number;
  /** Calls `callback` once when the output can take more (after `write` said false). */
  onceDrained(callback: () => void): void;
  /** False once the connection is closing: nothing more is written. */
  isOpen(): boolean;
}

/** How a compressed output cuts its input into pieces and puts each piece's output on the wire. */
export interface PieceCoding {
  /** The pieces of one chunk, each compressed and flushed on its own (SSE: the whole chunk; WebSocket: each message). */
  split(chunk: Buffer): readonly Buffer[];
  /** The bytes that carry one piece's compressed output (SSE: as is; WebSocket: a frame with RSV1). */
  wrap(output: Buffer): Buffer;
}

/** Input waiting for the compressor beyond which a write asks the writer to wait. */
const QUEUE_HIGH_WATER_BYTES = 16 * 1024;

/**
 * A {@link ByteOutput} that compresses on its way to another one, keeping the contract a
 * fan-out relies on: `write` says false while the compressor has more than 16 KiB waiting or
 * the connection is backed up, and `onceDrained` fires when both have cleared. `pending`
 * counts both, so a reader that stops reading is still found out by the slow-consumer bound.
 * Output of pieces compressed after the connection began closing is dropped.
 */
export class CompressedOutput implements ByteOutput {
  private connectionBackedUp = false;
  private ended = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly connection: ByteOutput,
    private readonly compressor: FlushingCompressor,
    private readonly coding: PieceCoding,
  ) {}

  write(chunk: Buffer): boolean {
    for (const piece of this.coding.split(chunk)) this.compressor.push(piece, (output) => this.forward(output));
    return !this.backedUp();
  }

  pending(): number {
    return this.connection.pending() + this.compressor.queuedBytes;
  }

  onceDrained(callback: () => void): void {
    // Woken by the compressor's progress or the connection's drain, never synchronously here.
    this.waiters.push(callback);
  }

  isOpen(): boolean {
    return this.connection.isOpen() && !this.compressor.isClosed;
  }

  /**
   * Compresses `last` (if any) behind everything before it, ends the compressed stream, and
   * hands the final bytes to `then`. Only the first call does anything.
   */
  end(last: Buffer | undefined, then: (tail: Buffer) => void): void {
    if (this.ended) return;
    this.ended = true;
    if (this.compressor.isClosed) {
      then(Buffer.alloc(0));
      return;
    }
    let lastOutput: Buffer = Buffer.alloc(0);
    if (last !== undefined) this.compressor.push(last, (output) => (lastOutput = output));
    this.compressor.finish((tail) => then(Buffer.concat([lastOutput, tail])));
  }

  /** Frees the compressor; nothing more is written. */
  close(): void {
    this.compressor.close();
    this.waiters = [];
  }

  private forward(output: Buffer): void {
    if (!this.connection.isOpen()) return;
    if (!this.connection.write(this.coding.wrap(output)) && !this.connectionBackedUp) {
      this.connectionBackedUp = true;
      this.connection.onceDrained(() => {
        this.connectionBackedUp = false;
        this.wake();
      });
    }
    this.wake();
  }

  private backedUp(): boolean {
    return this.connectionBackedUp || this.compressor.queuedBytes > QUEUE_HIGH_WATER_BYTES;
  }

  private wake(): void {
    if (this.waiters.length === 0 || this.backedUp()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
