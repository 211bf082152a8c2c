/** Wire-level helpers of the client tests: frames and bodies as servers send them, and ways to split them. */

const WS_TEXT = 0x1;

/** An unmasked server frame; `lengthForm` forces the 16- or 64-bit length encoding. */
export function serverFrame(
  opcode: number,
  payload: string | Buffer,
  options: { fin?: boolean; lengthForm?: 7 | 16 | 64; rsv?: number; mask?: boolean } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = body.length;
  const form = options.lengthForm ?? (length < 126 ? 7 : length < 65_536 ? 16 : 64);
  const header = Buffer.alloc(form === 7 ? 2 : form === 16 ? 4 : 10);
  header[0] = ((options.fin ?? true) ? 0x80 : 0) | (options.rsv ?? 0) | opcode;
  if (form === 7) {
    header[1] = length;
  } else if (form === 16) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (options.mask === true) {
    header[1] = header[1]! | 0x80;
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(body.map((byte, i) => byte ^ mask[i & 3]!));
    return Buffer.concat([header, mask, masked]);
  }
  return Buffer.concat([header, body]);
}

/** A text frame as the server sends it. */
export const textFrame = (text: string): Buffer => serverFrame(WS_TEXT, text);

/** A masked client frame, unmasked: what the server reads. */
export interface ClientFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Reads the client frames in `stream`; returns them and the bytes left over (an incomplete frame). */
export function readClientFrames(stream: Buffer): { frames: ClientFrame[]; rest: Buffer } {
  const frames: ClientFrame[] = [];
  let pos = 0;
  for (;;) {
    if (stream.length - pos < 2) break;
    const short = stream[pos + 1]! & 0x7f;
    const masked = (stream[pos + 1]! & 0x80) !== 0;
    let at = pos + 2;
    let length = short;
    if (short === 126) {
      if (stream.length - pos < 4) break;
      length = stream.readUInt16BE(pos + 2);
      at = pos + 4;
    } else if (short === 127) {
      if (stream.length - pos < 10) break;
      length = Number(stream.readBigUInt64BE(pos + 2));
      at = pos + 10;
    }
    const maskBytes = masked ? stream.subarray(at, at + 4) : Buffer.alloc(4);
    if (masked) at += 4;
    if (stream.length < at + length) break;
    const payload = Buffer.from(stream.subarray(at, at + length).map((byte, i) => byte ^ maskBytes[i & 3]!));
    frames.push({ fin: (stream[pos]! & 0x80) !== 0, opcode: stream[pos]! & 0x0f, masked, payload });
    pos = at + length;
  }
  return { frames, rest: stream.subarray(pos) };
}

/**
 * `body` in chunked transfer encoding, one chunk per piece, the size written in the given
 * case, with an optional extension on every chunk and optional trailers.
 */
export function chunked(
  pieces: Array<string | Buffer>,
  options: { extension?: string; trailers?: string[]; upper?: boolean } = {},
): Buffer {
  const parts: Buffer[] = [];
  for (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (bytes.length === 0) continue;
    const size = options.upper === true ? bytes.length.toString(16).toUpperCase() : bytes.length.toString(16);
    parts.push(Buffer.from(`${size}${options.extension ?? ''}\r\n`), bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${options.extension ?? ''}\r\n${(options.trailers ?? []).map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

/** A deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `stream` cut at random places into pieces of 1 … maxPiece bytes. */
export function randomSplits(stream: Buffer, seed: number, maxPiece: number): Buffer[] {
  const next = random(seed);
  const pieces: Buffer[] = [];
  let pos = 0;
  while (pos < stream.length) {
    const size = 1 + Math.floor(next() * maxPiece);
    pieces.push(stream.subarray(pos, pos + size));
    pos += size;
  }
  return pieces;
}

/** `stream` one byte per piece. */
export function bytewise(stream: Buffer): Buffer[] {
  return Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
}

/**
 * Feeds `pieces` the way the clients read sockets: each piece is copied into one shared
 * buffer (at an offset, followed by line feeds a parser must not look at), pushed as a range,
 * then overwritten, so a parser that keeps a reference to its input, or reads past the end
 * of a range, gets wrong results.
 */
export function feedReused(pieces: Buffer[], push: (buf: Buffer, start: number, end: number) => void): void {
  let scratch = Buffer.alloc(1024);
  const offset = 7;
  const tail = 32;
  for (const piece of pieces) {
    if (scratch.length < offset + piece.length + tail) scratch = Buffer.alloc((offset + piece.length + tail) * 2);
    scratch.fill(0x0a, 0, offset + piece.length + tail);
    piece.copy(scratch, offset);
    push(scratch, offset, offset + piece.length);
    scratch.fill(0x5a, 0, offset + piece.length + tail);
  }
}

/** `buf` cut at the given points. */
export function splitAt(buf: Buffer, points: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let last = 0;
  for (const point of [...points].sort((a, b) => a - b)) {
    chunks.push(buf.subarray(last, point));
    last = point;
  }
  chunks.push(buf.subarray(last));
  return chunks;
}
