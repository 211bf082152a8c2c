import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * RFC 6455 framing, as a client needs it: the opening handshake's key and accept value, an
 * incremental parser of the frames a server sends, and masked client frames.
 *
 * The parser reads straight from the bytes of each socket read. A data frame that lies wholly
 * inside one read (the common case: one feed message per TCP read) is handed over as a byte
 * range of the read buffer, without a copy. Only a frame split across reads, or a message
 * split into fragments, is copied and joined.
 */

export const OPCODE = Object.freeze({ continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa });

/** The RSV1 bit of a frame's first byte: with permessage-deflate, the message is compressed (RFC 7692 §6). */
export const RSV1 = 0x40;

/** The GUID of RFC 6455 §1.3, appended to the key to compute Sec-WebSocket-Accept. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Largest message accepted, as `ws` allows by default (100 MiB); more is close 1009. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** Close codes the parser reports errors with. */
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_TOO_BIG = 1009;

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function handshakeKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept a server must answer `key` with. */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
}

/**
 * Checks a 101 answer to an upgrade asked with `key` (and `subprotocol`, when one was asked
 * for: the answer must name it). When no extension was offered, an extension in the answer is
 * wrong; when one was, the caller checks the answer's extensions itself. Returns what is wrong,
 * or undefined when the handshake is complete.
 */
export function checkUpgrade(
  headers: Readonly<Record<string, string>>,
  key: string,
  extensionOffered = false,
  subprotocol?: string,
): string | undefined {
  const upgrade = headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
  if (headers['sec-websocket-accept'] !== acceptFor(key)) return 'Invalid Sec-WebSocket-Accept header';
  const answered = headers['sec-websocket-protocol'];
  if (subprotocol === undefined && answered !== undefined) return 'Server sent a subprotocol but none was requested';
  if (subprotocol !== undefined && answered !== subprotocol)
    return answered === undefined
      ? `Server did not accept the subprotocol ${subprotocol}`
      : `Server sent the subprotocol ${answered}, not ${subprotocol}`;
  if (!extensionOffered && headers['sec-websocket-extensions'] !== undefined)
    return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
  return undefined;
}

/** Close codes a peer may send (RFC 6455 §7.4, as `ws` checks them). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** What the parser finds in the stream. */
export interface WsFrameHandler {
  /**
   * A whole data message in `buf[start, end)`; `binary` for opcode 2; `compressed` when its
   * first frame had RSV1 set (only with permessage-deflate agreed): the bytes are still deflated.
   */
  message(buf: Buffer, start: number, end: number, binary: boolean, compressed: boolean): void;
  ping(payload: Buffer): void;
  pong(payload: Buffer): void;
  /** A close frame: `code` undefined when it had no status (1005). The parser stops. */
  close(code: number | undefined, reason: Buffer): void;
  /** The stream breaks the protocol: close with `code` (1002, or 1009 when too large). The parser stops. */
  error(code: number, message: string): void;
}

const MAX_HEADER = 14;

/**
 * Incremental parser of server-to-client frames (unmasked). RSV bits must be zero, except RSV1
 * on the first frame of a data message when permessage-deflate was agreed (`compressed`
 * messages are handed over as they are: inflating them is the owner's job). Feed it every read
 * with {@link push}; it calls the handler synchronously.
 *
 * It never keeps a reference to the bytes it is given once {@link push} returns, so the
 * caller may read every socket into one reused buffer: what must outlive the call (a frame or
 * a header split across reads, the fragments of a message) is copied. Ranges and payloads
 * given to the handler are valid only during the call. After a close frame or an error it
 * stops and ignores further input.
 */
export class WsFrameParser {
  private stopped = false;
  /** Header bytes of a frame whose header was split across reads. */
  private readonly header = Buffer.alloc(MAX_HEADER);
  private headerFill = 0;
  /** A frame whose payload is split across reads: its first byte, its payload so far. */
  private frameB0 = 0;
  private payload: Buffer | undefined;
  private payloadFill = 0;
  /** A message split into fragments: copies of its pieces so far, their length, its type. */
  private fragments: Buffer[] | undefined;
  private fragmentsLength = 0;
  private fragmentsBinary = false;
  private fragmentsCompressed = false;

  constructor(
    private readonly handler: WsFrameHandler,
    private readonly maxPayload: number = DEFAULT_MAX_PAYLOAD,
    /** permessage-deflate was agreed: RSV1 may mark a compressed message. */
    private readonly deflate = false,
  ) {}

  /** No more input is read (a close frame, an error, or the owner tore the connection down). */
  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.payload = undefined;
    this.fragments = undefined;
  }

  /** Feeds the bytes `chunk[from, to)`. */
  push(chunk: Buffer, from = 0, to = chunk.length): void {
    let pos = from;
    while (pos < to && !this.stopped) {
      const partial = this.payload;
      if (partial !== undefined) {
        // The rest of a frame begun in an earlier read.
        const take = Math.min(partial.length - this.payloadFill, to - pos);
        chunk.copy(partial, this.payloadFill, pos, pos + take);
        this.payloadFill += take;
        pos += take;
        if (this.payloadFill === partial.length) {
          this.payload = undefined;
          this.frame(this.frameB0, partial, 0, partial.length, true);
        }
        continue;
      }

      let b0: number;
      let b1: number;
      let payloadLength: number;
      let start: number;
      if (this.headerFill > 0 || to - pos < 2) {
        // A header split across reads: gather it in `header` first.
        const header = this.header;
        while (this.headerFill < 2 && pos < to) header[this.headerFill++] = chunk[pos++]!;
        if (this.headerFill < 2) return;
        const need = headerLength(header[1]!);
        while (this.headerFill < need && pos < to) header[this.headerFill++] = chunk[pos++]!;
        if (this.headerFill < need) {
          // Report what the first two bytes already break at once.
          this.checkFirstBytes(header[0]!, header[1]!);
          return;
        }
        this.headerFill = 0;
        b0 = header[0]!;
        b1 = header[1]!;
        payloadLength = this.readLength(header, 0);
        start = pos;
      } else {
        b0 = chunk[pos]!;
        b1 = chunk[pos + 1]!;
        const need = headerLength(b1);
        if (to - pos < need) {
          // Not enough for the header: keep what there is and wait.
          if (!this.checkFirstBytes(b0, b1)) return;
          chunk.copy(this.header, 0, pos, to);
          this.headerFill = to - pos;
          return;
        }
        payloadLength = this.readLength(chunk, pos);
        start = pos + need;
      }
      if (payloadLength < 0 || !this.checkHeader(b0, b1, payloadLength)) return;

      const end = start + payloadLength;
      if (end <= to) {
        // The hot path: the whole frame is in this read.
        pos = end;
        this.frame(b0, chunk, start, end, false);
      } else {
        this.frameB0 = b0;
        this.payload = Buffer.allocUnsafe(payloadLength);
        chunk.copy(this.payload, 0, start, to);
        this.payloadFill = to - start;
        pos = to;
      }
    }
  }

  /** The payload length of the header at `buf[at]`; -1 after reporting an error. */
  private readLength(buf: Buffer, at: number): number {
    const short = buf[at + 1]! & 0x7f;
    if (short < 126) return short;
    if (short === 126) return buf.readUInt16BE(at + 2);
    const high = buf.readUInt32BE(at + 2);
    const low = buf.readUInt32BE(at + 6);
    if (high >= 0x80000000) {
      this.fail(CLOSE_PROTOCOL_ERROR, 'invalid 64-bit payload length (top bit set)');
      return -1;
    }
    if (high > 0x1fffff) {
      // Beyond 2^53: nothing this large is accepted.
      this.fail(CLOSE_TOO_BIG, 'message too large');
      return -1;
    }
    return high * 0x1_0000_0000 + low;
  }

  /** The checks that need only the first two bytes (before a split header is complete). */
  private checkFirstBytes(b0: number, b1: number): boolean {
    const rsv = b0 & 0x70;
    if (rsv !== 0 && !(this.deflate && rsv === RSV1)) return this.fail(CLOSE_PROTOCOL_ERROR, 'RSV bits set without a negotiated extension');
    if ((b1 & 0x80) !== 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'a server frame must not be masked');
    return true;
  }

  private checkHeader(b0: number, b1: number, payloadLength: number): boolean {
    if (!this.checkFirstBytes(b0, b1)) return false;
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    // RFC 7692 §6.1: RSV1 belongs to the first frame of a data message only.
    if ((b0 & RSV1) !== 0 && opcode !== OPCODE.text && opcode !== OPCODE.binary)
      return this.fail(CLOSE_PROTOCOL_ERROR, 'RSV1 set on a continuation or control frame');
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary:
        if (this.fragments !== undefined) return this.fail(CLOSE_PROTOCOL_ERROR, 'a new message began inside a fragmented one');
        if (payloadLength > this.maxPayload) return this.fail(CLOSE_TOO_BIG, 'message too large');
        return true;
      case OPCODE.continuation:
        if (this.fragments === undefined) return this.fail(CLOSE_PROTOCOL_ERROR, 'a continuation frame without a message to continue');
        if (this.fragmentsLength + payloadLength > this.maxPayload) return this.fail(CLOSE_TOO_BIG, 'message too large');
        return true;
      case OPCODE.close:
      case OPCODE.ping:
      case OPCODE.pong:
        if (!fin) return this.fail(CLOSE_PROTOCOL_ERROR, 'a fragmented control frame');
        if (payloadLength > 125) return this.fail(CLOSE_PROTOCOL_ERROR, 'a control frame longer than 125 bytes');
        return true;
      default:
        return this.fail(CLOSE_PROTOCOL_ERROR, `invalid opcode ${opcode}`);
    }
  }

  /** One whole frame, its payload in `buf[start, end)`; `owned` when `buf` is the parser's own. */
  private frame(b0: number, buf: Buffer, start: number, end: number, owned: boolean): void {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary:
        if (fin) {
          this.handler.message(buf, start, end, opcode === OPCODE.binary, (b0 & RSV1) !== 0);
        } else {
          this.fragments = [owned ? buf : Buffer.from(buf.subarray(start, end))];
          this.fragmentsLength = end - start;
          this.fragmentsBinary = opcode === OPCODE.binary;
          this.fragmentsCompressed = (b0 & RSV1) !== 0;
        }
        return;
      case OPCODE.continuation: {
        const fragments = this.fragments!;
        this.fragmentsLength += end - start;
        if (!fin) {
          fragments.push(owned ? buf : Buffer.from(buf.subarray(start, end)));
          return;
        }
        // The last piece is read in place: only the earlier ones were copied.
        fragments.push(buf.subarray(start, end));
        const message = Buffer.concat(fragments, this.fragmentsLength);
        this.fragments = undefined;
        this.fragmentsLength = 0;
        this.handler.message(message, 0, message.length, this.fragmentsBinary, this.fragmentsCompressed);
        return;
      }
      case OPCODE.ping:
        this.handler.ping(buf.subarray(start, end));
        return;
      case OPCODE.pong:
        this.handler.pong(buf.subarray(start, end));
        return;
      case OPCODE.close: {
        const size = end - start;
        if (size === 1) {
          this.fail(CLOSE_PROTOCOL_ERROR, 'a close frame with a 1-byte payload');
          return;
        }
        const code = size === 0 ? undefined : buf.readUInt16BE(start);
        if (code !== undefined && !isValidCloseCode(code)) {
          this.fail(CLOSE_PROTOCOL_ERROR, `invalid close code ${code}`);
          return;
        }
        this.stop();
        this.handler.close(code, size > 2 ? Buffer.from(buf.subarray(start + 2, end)) : EMPTY);
        return;
      }
    }
  }

  private fail(code: number, message: string): false {
    if (this.stopped) return false;
    this.stop();
    this.handler.error(code, message);
    return false;
  }
}

const EMPTY = Buffer.alloc(0);

/** Header length of a server frame (unmasked), from its second byte. */
function headerLength(b1: number): number {
  const short = b1 & 0x7f;
  const base = short < 126 ? 2 : short === 126 ? 4 : 10;
  // A masked frame is an error, but its header is read whole first so the error is reported
  // at a frame boundary either way.
  return (b1 & 0x80) !== 0 ? base + 4 : base;
}

/**
 * A final client frame of `opcode` carrying `payload`, masked (RFC 6455 §5.3) with a random
 * key, or with `mask` (4 bytes) when given, for tests. `opcode` may carry {@link RSV1} for a
 * compressed message.
 */
export function maskedFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Buffer {
  const length = payload.length;
  const headerLen = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (mask === undefined) randomFillSync(frame, headerLen, 4);
  else frame.set(mask.subarray(0, 4), headerLen);
  const body = headerLen + 4;
  for (let i = 0; i < length; i++) frame[body + i] = payload[i]! ^ frame[headerLen + (i & 3)]!;
  return frame;
}

/** The payload of a close frame: the code, then the reason (UTF-8, cut to fit 123 bytes). */
export function closePayload(code: number | undefined, reason: string | Uint8Array = ''): Buffer {
  if (code === undefined) return EMPTY;
  const text = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : Buffer.from(reason);
  const payload = Buffer.allocUnsafe(2 + Math.min(123, text.length));
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2, 0, payload.length - 2);
  return payload;
}
