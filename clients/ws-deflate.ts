import zlib from 'node:zlib';
import type { DeflateParams } from './codecs/ws-extensions.js';

/**
 * The client's side of permessage-deflate (RFC 7692 §7.2), done synchronously in the read
 * handler so that messages keep their order and their arrival time without queues.
 *
 * Inflating: each compressed message gets the 4 bytes the sender removed (`00 00 ff ff`) and
 * is inflated with a fresh zlib state. With server context takeover, that state is first given
 * the last 32 KiB the connection decompressed as its dictionary: for raw deflate the dictionary
 * is the window, so back-references into earlier messages resolve exactly as they would in one
 * long-lived inflate stream. Without takeover no history is kept.
 *
 * Deflating: the client compresses what it sends (PING, chat) each message on its own. That is
 * always allowed, takeover agreed or not, and needs no compressor kept per connection.
 */

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** The largest window a server may use (2^15): what the history must cover. */
const WINDOW_BYTES = 32 * 1024;
/** zlib cannot make a raw deflate stream with a 256-byte window: with that limit, messages go uncompressed. */
const SMALLEST_USABLE_WINDOW_BITS = 9;

export class MessageInflater {
  /** With takeover: what was decompressed, the last WINDOW_BYTES of it ending at `historyEnd`. */
  private history: Buffer | undefined;
  private historyEnd = 0;

  constructor(
    params: DeflateParams,
    private readonly maxPayload: number,
  ) {
    if (!params.serverNoContextTakeover) this.history = Buffer.allocUnsafe(2 * WINDOW_BYTES);
  }

  /**
   * The message whose compressed bytes are `buf[start, end)`. Throws a RangeError when it
   * inflates to more than `maxPayload` bytes, an Error when it is not valid deflate data.
   */
  inflate(buf: Buffer, start: number, end: number): Buffer {
    const input = Buffer.allocUnsafe(end - start + TAIL.length);
    buf.copy(input, 0, start, end);
    TAIL.copy(input, end - start);
    const options: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: this.maxPayload };
    const history = this.history;
    if (history !== undefined && this.historyEnd > 0)
      options.dictionary = history.subarray(Math.max(0, this.historyEnd - WINDOW_BYTES), this.historyEnd);
    const message = zlib.inflateRawSync(input, options);
    if (history !== undefined) this.remember(history, message);
    return message;
  }

  /** Appends `message` to the history, keeping its last WINDOW_BYTES contiguous. */
  private remember(history: Buffer, message: Buffer): void {
    if (message.length >= WINDOW_BYTES) {
      message.copy(history, 0, message.length - WINDOW_BYTES);
      this.historyEnd = WINDOW_BYTES;
      return;
    }
    if (this.historyEnd + message.length > history.length) {
      // Slide: keep what the window still needs at the front.
      const keep = WINDOW_BYTES - message.length;
      history.copy(history, 0, this.historyEnd - keep, this.historyEnd);
      this.historyEnd = keep;
    }
    message.copy(history, this.historyEnd);
    this.historyEnd += message.length;
  }
}

/** The payload of a compressed client message (RSV1 set), or undefined when the agreed window is too small to compress at all. */
export function deflateMessage(payload: Buffer, params: DeflateParams): Buffer | undefined {
  if (params.clientMaxWindowBits < SMALLEST_USABLE_WINDOW_BITS) return undefined;
  const output = zlib.deflateRawSync(payload, { windowBits: params.clientMaxWindowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return output.subarray(0, output.length - TAIL.length);
}
