import type { Transform } from 'node:stream';

/**
 * One zlib stream (deflate, gzip or brotli) used for a sequence of pieces, each compressed and
 * flushed on its own, so each piece's output can be sent at once and decoded by the peer at
 * once: the compression context (the window of what was sent before) carries over from piece
 * to piece, which is where most of the gain on small repetitive messages comes from.
 *
 * zlib runs on libuv's thread pool, so a piece's output arrives later, in order; `queuedBytes`
 * counts the input still waiting. After {@link close} nothing more is reported.
 */
export class FlushingCompressor {
  private output: Buffer[] = [];
  private outputLength = 0;
  private closed = false;
  /** `finish` was called: nothing more is taken. */
  private ending = false;
  /** Input bytes handed over and not yet compressed. */
  queuedBytes = 0;

  constructor(
    private readonly stream: Transform & { flush(kind: number, callback: () => void): void; close(): void },
    private readonly flushKind: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.output.push(chunk);
      this.outputLength += chunk.length;
    });
    // A zlib error means a bug in what we fed it; the owner's connection ends with the close.
    stream.on('error', () => this.close());
  }

  /** Compresses `input` and flushes; `done` gets exactly this piece's output. */
  push(input: Buffer, done: (output: Buffer) => void): void {
    if (this.closed || this.ending) return;
    this.queuedBytes += input.length;
    this.stream.write(input);
    // zlib emits a flush's output before calling its callback, so what was gathered since the
    // previous piece is this piece's output (the same assumption `ws` makes).
    this.stream.flush(this.flushKind, () => {
      this.queuedBytes -= input.length;
      if (this.closed) return;
      const output = this.output.length === 1 ? this.output[0]! : Buffer.concat(this.output, this.outputLength);
      this.output = [];
      this.outputLength = 0;
      done(output);
    });
  }

  /** Ends the stream properly (a gzip trailer, say); `done` gets the last bytes. */
  finish(done: (output: Buffer) => void): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.stream.once('end', () => {
      const output = Buffer.concat(this.output, this.outputLength);
      this.close();
      done(output);
    });
    this.stream.end();
  }

  /** Closed, or finishing: nothing more is taken. */
  get isClosed(): boolean {
    return this.closed || this.ending;
  }

  /** Frees the zlib state at once (its memory is the point of measuring this). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.output = [];
    this.outputLength = 0;
    this.stream.close();
  }
}
