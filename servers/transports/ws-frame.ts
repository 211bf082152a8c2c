/**
 * Server frames (RFC 6455 §5.2), unmasked and final, built here rather than through `ws` so
 * one frame can be written to a thousand sockets without being rebuilt.
 */

const FIN_TEXT = 0x81;
/** FIN, RSV1 (the message is compressed, RFC 7692 §6) and opcode 1. */
const FIN_RSV1_TEXT = 0xc1;

/** A text frame carrying `text`. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  const start = writeHeader(frame, FIN_TEXT, length);
  frame.write(text, start, 'utf8');
  return frame;
}

/** A text frame whose payload is the permessage-deflate compressed `payload` (RSV1 set). */
export function compressedTextFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(headerLength(payload.length) + payload.length);
  const start = writeHeader(frame, FIN_RSV1_TEXT, payload.length);
  payload.copy(frame, start);
  return frame;
}

/** The payloads of the frames in `chunk`, which holds whole frames built by {@link textFrame}, as views of it. */
export function framePayloads(chunk: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  let pos = 0;
  while (pos < chunk.length) {
    const short = chunk[pos + 1]! & 0x7f;
    let length = short;
    let start = pos + 2;
    if (short === 126) {
      length = chunk.readUInt16BE(pos + 2);
      start = pos + 4;
    } else if (short === 127) {
      length = Number(chunk.readBigUInt64BE(pos + 2));
      start = pos + 10;
    }
    payloads.push(chunk.subarray(start, start + length));
    pos = start + length;
  }
  return payloads;
}

function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** Writes the header and returns where the payload starts. */
function writeHeader(frame: Buffer, first: number, length: number): number {
  frame[0] = first;
  if (length < 126) {
    frame[1] = length;
    return 2;
  }
  if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeBigUInt64BE(BigInt(length), 2);
  return 10;
}
