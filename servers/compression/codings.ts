import zlib, { type BrotliCompress, type DeflateRaw, type Gzip } from 'node:zlib';
import type { ContentCoding } from './accept-encoding.js';

/**
 * How the server compresses, in one place. gzip and permessage-deflate use zlib's defaults
 * (level 6, a 32 KiB window, memLevel 8), as `ws` and most HTTP servers do. Brotli's default
 * quality (11) is meant for static files and costs far too much CPU per message, so streams
 * and answers use quality 5 with a 256 KiB window (lgwin 18) rather than 4 MiB, which keeps a
 * long-lived stream's encoder state bounded.
 */
export const COMPRESSION_SETTINGS = Object.freeze({
  gzipLevel: zlib.constants.Z_DEFAULT_COMPRESSION,
  brotliQuality: 5,
  brotliWindowBits: 18,
});

const brotliParams = {
  [zlib.constants.BROTLI_PARAM_QUALITY]: COMPRESSION_SETTINGS.brotliQuality,
  [zlib.constants.BROTLI_PARAM_LGWIN]: COMPRESSION_SETTINGS.brotliWindowBits,
  [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
};

/** A whole answer body compressed with `coding` (poll answers: built once, sent to every poll that asked the same). */
export function compressBody(coding: ContentCoding, body: string | Buffer): Buffer {
  if (coding === 'gzip') return zlib.gzipSync(body, { level: COMPRESSION_SETTINGS.gzipLevel });
  return zlib.brotliCompressSync(body, { params: brotliParams });
}

/** A compressor for one long-lived stream (an SSE response) and the flush that ends each batch. */
export function streamCompressor(coding: ContentCoding): { stream: Gzip | BrotliCompress; flush: number } {
  if (coding === 'gzip') return { stream: zlib.createGzip({ level: COMPRESSION_SETTINGS.gzipLevel }), flush: zlib.constants.Z_SYNC_FLUSH };
  return { stream: zlib.createBrotliCompress({ params: brotliParams }), flush: zlib.constants.BROTLI_OPERATION_FLUSH };
}

/** A raw-deflate compressor for one WebSocket connection with context takeover (RFC 7692 §7.2.1). */
export function deflateCompressor(windowBits: number): { stream: DeflateRaw; flush: number } {
  return { stream: zlib.createDeflateRaw({ level: COMPRESSION_SETTINGS.gzipLevel, windowBits }), flush: zlib.constants.Z_SYNC_FLUSH };
}
