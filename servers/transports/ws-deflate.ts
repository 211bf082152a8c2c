import zlib from 'node:zlib';
import type { WebSocket } from 'ws';
import { COMPRESSION_SETTINGS, deflateCompressor } from '../compression/codings.js';
import { CompressedOutput, type ByteOutput, type PieceCoding } from '../compression/compressed-output.js';
import { FlushingCompressor } from '../compression/flushing-compressor.js';
import type { WsDeflateMode } from '../config.js';
import { compressedTextFrame, framePayloads } from './ws-frame.js';

/**
 * permessage-deflate (RFC 7692) for the feed's frames. `ws` negotiates the extension (it reads
 * the client's offer and writes the answer) and inflates what clients send; the server's own
 * messages are compressed here, because they are written straight to the socket:
 *
 * - without server context takeover, each message is compressed on its own, once, and the same
 *   compressed frame goes to every client that agreed to the same window size: no compressor
 *   per connection at all, and one compression per message however many clients get it;
 * - with context takeover, each connection has its own compressor (zlib's state, a few hundred
 *   KiB), and each message is compressed for each connection, against what that connection
 *   was sent before.
 *
 * `pong` and `error` messages, sent through `ws`, go uncompressed (RSV1 clear), which the
 * extension allows and which leaves the compression context untouched.
 */

/** What one connection agreed to (RFC 7692 §7.1). */
export interface DeflateAgreement {
  /** The server must not refer to earlier messages: each is compressed on its own. */
  readonly serverNoContextTakeover: boolean;
  /** The server's LZ77 window is at most 2^bits bytes. */
  readonly serverWindowBits: number;
}

/** zlib cannot make a raw deflate stream with a 256-byte window: for that agreement, messages go uncompressed. */
const SMALLEST_USABLE_WINDOW_BITS = 9;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** The `perMessageDeflate` option for `ws`, from the server's `wsDeflate` mode. */
export function perMessageDeflateOption(mode: WsDeflateMode): false | Record<string, unknown> {
  if (mode === 'off') return false;
  // `threshold` only matters for what `ws` itself would compress, which is nothing here.
  if (mode === 'on') return { threshold: 0 };
  return { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true };
}

/** What `ws` agreed with this client, or undefined when the extension is not in use. */
export function agreedDeflate(ws: WebSocket): DeflateAgreement | undefined {
  // `ws` keeps the accepted parameters on the extension it made for the connection.
  const extensions = (ws as unknown as { _extensions?: Record<string, { params?: Record<string, unknown> } | undefined> })._extensions;
  const params = extensions?.['permessage-deflate']?.params;
  if (params === undefined || params === null) return undefined;
  const bits = params.server_max_window_bits;
  return { serverNoContextTakeover: params.server_no_context_takeover === true, serverWindowBits: typeof bits === 'number' ? bits : 15 };
}

/** Whether messages can be compressed at all under `agreement`. */
export function canCompress(agreement: DeflateAgreement): boolean {
  return agreement.serverWindowBits >= SMALLEST_USABLE_WINDOW_BITS;
}

/** `json` as a compressed frame that refers to nothing before it, so any client may get the same bytes. */
export function standaloneDeflatedFrame(json: string, windowBits: number): Buffer {
  const compressed = zlib.deflateRawSync(json, {
    level: COMPRESSION_SETTINGS.gzipLevel,
    windowBits,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  return compressedTextFrame(withoutTail(compressed));
}

/** A sync-flushed deflate block without its final `00 00 ff ff`, which the receiver puts back (RFC 7692 §7.2.1). */
export function withoutTail(output: Buffer): Buffer {
  const end = output.length - TAIL.length;
  return end >= 0 && output.subarray(end).equals(TAIL) ? output.subarray(0, end) : output;
}

/** Each frame's payload is compressed and flushed on its own and goes out as a frame with RSV1. */
const PER_MESSAGE: PieceCoding = {
  split: framePayloads,
  wrap: (output) => compressedTextFrame(withoutTail(output)),
};

/** The output of a connection with context takeover: its own compressor between the fan-out's frames and the socket. */
export function takeoverOutput(socket: ByteOutput, agreement: DeflateAgreement): CompressedOutput {
  const { stream, flush } = deflateCompressor(agreement.serverWindowBits);
  return new CompressedOutput(socket, new FlushingCompressor(stream, flush), PER_MESSAGE);
}
