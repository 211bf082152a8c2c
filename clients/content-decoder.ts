import zlib, { type BrotliDecompress, type Gunzip } from 'node:zlib';
import type { ContentCoding } from './codecs/content-encoding.js';

/** A whole answer body decoded (poll answers arrive whole); throws on corrupt data or more than `limit` bytes. */
export function decodeBody(coding: ContentCoding, body: Buffer, limit: number): Buffer {
  if (coding === 'gzip') return zlib.gunzipSync(body, { maxOutputLength: limit });
  return zlib.brotliDecompressSync(body, { maxOutputLength: limit });
}

/**
 * Decodes a compressed stream as it arrives (an SSE response): the compressed bytes of each
 * read go to zlib, which runs on libuv's thread pool, and what comes out is handed on in order.
 * The server flushes after every batch, so each batch comes out as soon as its bytes are in.
 * Each read is copied once on its way in, because the read buffer is reused.
 */
export class StreamDecoder {
  private readonly stream: Gunzip | BrotliDecompress;
  private closed = false;

  constructor(coding: ContentCoding, onData: (decoded: Buffer) => void, onError: (message: string) => void) {
    this.stream = coding === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress();
    this.stream.on('data', (decoded: Buffer) => {
      if (!this.closed) onData(decoded);
    });
    this.stream.on('error', (error: Error) => {
      if (this.closed) return;
      this.close();
      onError(error.message);
    });
  }

  push(buf: Buffer, start: number, end: number): void {
    if (this.closed || start >= end) return;
    this.stream.write(Buffer.from(buf.subarray(start, end)));
  }

  /** The compressed stream is complete: `then` runs once everything before has come out. */
  finish(then: () => void): void {
    if (this.closed) return;
    this.stream.once('end', () => {
      if (!this.closed) then();
    });
    this.stream.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.close();
  }
}
