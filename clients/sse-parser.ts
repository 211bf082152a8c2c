/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML §9.2.6), working on
 * bytes. Chunks may be split anywhere, lines may end with LF, CRLF or CR, a leading UTF-8 BOM
 * is skipped, `:` lines are comments, and `data`, `id`, `retry` and `event` are the fields.
 *
 * The hot path allocates nothing: an event whose single `data:` line lies inside one chunk is
 * handed over as a byte range of that chunk. Only a line split across chunks is joined (once,
 * when its end arrives), and only an event of several `data:` lines is concatenated.
 * `event:` names are read and dropped: wirelab puts the message type inside the JSON.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = [0xef, 0xbb, 0xbf] as const;

const FIELD_DATA = bytesOf('data');
const FIELD_ID = bytesOf('id');
const FIELD_RETRY = bytesOf('retry');

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

export type SseEventHandler = (data: Buffer, start: number, end: number) => void;

export class SseParser {
  /** Pieces of a line whose end has not arrived yet. */
  private partial: Buffer[] = [];
  /** The previous chunk ended with CR: an LF starting the next one belongs to it. */
  private skipLf = false;
  private bomChecked = false;

  /** The data buffer of the event being read: one range (fast path) or joined pieces. */
  private dataBuf: Buffer | undefined;
  private dataStart = 0;
  private dataEnd = 0;
  private dataParts: Buffer[] | undefined;

  /** The last event ID buffer (set by `id:`) and the last event ID (set on dispatch). */
  private idBuffer = Buffer.alloc(64);
  private idLength = 0;
  private lastId = Buffer.alloc(64);
  private lastIdLength = 0;

  /** Last `retry:` value, in ms. */
  retryMs: number | undefined;

  constructor(
    private readonly onEvent: SseEventHandler,
    private readonly onRetry?: (ms: number) => void,
  ) {}

  /** The last event ID of the stream, as EventSource keeps it across reconnects. */
  get lastEventId(): string {
    return this.lastId.toString('utf8', 0, this.lastIdLength);
  }

  /** Starts a new stream (a reconnect): drops partial input; keeps the last event ID. */
  reset(): void {
    this.partial = [];
    this.skipLf = false;
    this.bomChecked = false;
    this.clearData();
    this.idBuffer.set(this.lastId.subarray(0, this.lastIdLength));
    this.idLength = this.lastIdLength;
  }

  /** Feeds one chunk of the stream. */
  push(chunk: Buffer): void {
    let pos = 0;
    const length = chunk.length;
    if (this.skipLf) {
      this.skipLf = false;
      if (length > 0 && chunk[0] === LF) pos = 1;
    }
    if (!this.bomChecked) {
      if (this.partial.length > 0) {
        this.partial.push(chunk.subarray(pos));
        const joined = Buffer.concat(this.partial);
        this.partial = [];
        this.push(joined);
        return;
      }
      const available = length - pos;
      let matched = 0;
      while (matched < 3 && matched < available && chunk[pos + matched] === BOM[matched]) matched += 1;
      if (matched === 3) {
        pos += 3;
        this.bomChecked = true;
      } else if (matched === available) {
        // Could still become a BOM: wait for more bytes.
        if (available > 0) this.partial.push(chunk.subarray(pos));
        return;
      } else {
        this.bomChecked = true;
      }
    }

    let cr = chunk.indexOf(CR, pos);
    while (pos < length) {
      const lf = chunk.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
      let end: number;
      if (lf === -1) end = cr;
      else if (cr === -1) end = lf;
      else end = lf < cr ? lf : cr;
      if (end === -1) break;

      if (this.partial.length > 0) {
        this.partial.push(chunk.subarray(pos, end));
        const line = Buffer.concat(this.partial);
        this.partial = [];
        this.line(line, 0, line.length);
      } else {
        this.line(chunk, pos, end);
      }

      pos = end + 1;
      if (chunk[end] === CR) {
        if (pos < length) {
          if (chunk[pos] === LF) pos += 1;
        } else {
          this.skipLf = true;
        }
      }
    }
    if (pos < length) this.partial.push(chunk.subarray(pos));
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    if (buf[start] === COLON) return; // comment, e.g. the heartbeat `: hb`
    let colon = buf.indexOf(COLON, start);
    if (colon === -1 || colon > end) colon = end;
    let valueStart = colon + 1;
    if (valueStart < end && buf[valueStart] === SPACE) valueStart += 1;
    if (valueStart > end) valueStart = end;

    if (matches(buf, start, colon, FIELD_DATA)) this.data(buf, valueStart, end);
    else if (matches(buf, start, colon, FIELD_ID)) this.id(buf, valueStart, end);
    else if (matches(buf, start, colon, FIELD_RETRY)) this.retry(buf, valueStart, end);
    // `event` and unknown fields are ignored.
  }

  private data(buf: Buffer, start: number, end: number): void {
    if (this.dataBuf === undefined && this.dataParts === undefined) {
      this.dataBuf = buf;
      this.dataStart = start;
      this.dataEnd = end;
      return;
    }
    if (this.dataParts === undefined) {
      this.dataParts = [this.dataBuf!.subarray(this.dataStart, this.dataEnd)];
      this.dataBuf = undefined;
    }
    this.dataParts.push(NEWLINE, buf.subarray(start, end));
  }

  private id(buf: Buffer, start: number, end: number): void {
    const nul = buf.indexOf(0, start);
    if (nul !== -1 && nul < end) return; // an id containing NUL is ignored
    const length = end - start;
    if (length > this.idBuffer.length) this.idBuffer = Buffer.alloc(length * 2);
    buf.copy(this.idBuffer, 0, start, end);
    this.idLength = length;
  }

  private retry(buf: Buffer, start: number, end: number): void {
    if (start === end) return;
    let value = 0;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c < 0x30 || c > 0x39) return;
      value = value * 10 + (c - 0x30);
    }
    this.retryMs = value;
    this.onRetry?.(value);
  }

  private dispatch(): void {
    if (this.lastId.length < this.idLength) this.lastId = Buffer.alloc(this.idBuffer.length);
    this.idBuffer.copy(this.lastId, 0, 0, this.idLength);
    this.lastIdLength = this.idLength;
    if (this.dataParts !== undefined) {
      const joined = Buffer.concat(this.dataParts);
      this.clearData();
      this.onEvent(joined, 0, joined.length);
    } else if (this.dataBuf !== undefined) {
      const buf = this.dataBuf;
      const start = this.dataStart;
      const end = this.dataEnd;
      this.clearData();
      this.onEvent(buf, start, end);
    }
  }

  private clearData(): void {
    this.dataBuf = undefined;
    this.dataParts = undefined;
  }
}

const NEWLINE = Buffer.from('\n');

function matches(buf: Buffer, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}
