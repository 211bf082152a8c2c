/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML §9.2.6) for input read
 * into a reused buffer: the SSE client reads every socket into one buffer per thread, so this
 * parser never keeps a reference to the bytes it is given once {@link SseStreamParser.push}
 * returns. What must outlive a call (a line split across reads, the data of an event whose
 * blank line has not arrived yet) is copied into the parser's own storage. The common case,
 * whole events in one read, copies nothing: a one-line event is handed over as a range of
 * the input.
 *
 * Format rules: chunks split anywhere, LF/CRLF/CR line ends, a leading UTF-8 BOM skipped, `:` comments, `data`, `id`, `retry`;
 * `event:` names are read and dropped (wirelab puts the message type inside the JSON).
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const FIELD_DATA = Buffer.from('data');
const FIELD_ID = Buffer.from('id');
const FIELD_RETRY = Buffer.from('retry');

/** An event's data, `data[start, end)`, valid only during the call. */
export type SseStreamHandler = (data: Buffer, start: number, end: number) => void;

/** A growable byte store owned by the parser. */
class Store {
  buf: Buffer;
  length = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  append(src: Buffer, start: number, end: number): void {
    const add = end - start;
    if (this.length + add > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + add));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    src.copy(this.buf, this.length, start, end);
    this.length += add;
  }

  appendByte(byte: number): void {
    if (this.length + 1 > this.buf.length) this.append(Buffer.of(byte), 0, 1);
    else this.buf[this.length++] = byte;
  }
}

export class SseStreamParser {
  /** A line whose end has not arrived yet (copied). */
  private readonly line = new Store(256);
  private lineOpen = false;
  /** The previous input ended with CR: an LF starting the next one belongs to it. */
  private skipLf = false;
  private bomChecked = false;
  private bomMatched = 0;

  /** The event's data: a range of the current input (`dataBuf`), or copied into `dataStore`. */
  private dataBuf: Buffer | undefined;
  private dataStart = 0;
  private dataEnd = 0;
  private readonly dataStore = new Store(512);
  private dataStored = false;

  /** The last event ID buffer (set by `id:`) and the last event ID (set on dispatch). */
  private id = Buffer.alloc(64);
  private idLength = 0;
  private lastId = Buffer.alloc(64);
  private lastIdLength = 0;

  /** Last `retry:` value, in ms. */
  retryMs: number | undefined;

  constructor(
    private readonly onEvent: SseStreamHandler,
    private readonly onRetry?: (ms: number) => void,
  ) {}

  /** The last event ID of the stream, as EventSource keeps it across reconnects. */
  get lastEventId(): string {
    return this.lastId.toString('utf8', 0, this.lastIdLength);
  }

  /** Starts a new stream (a reconnect): drops partial input; keeps the last event ID. */
  reset(): void {
    this.line.length = 0;
    this.lineOpen = false;
    this.skipLf = false;
    this.bomChecked = false;
    this.bomMatched = 0;
    this.clearData();
    copyBytes(this.lastId, 0, this.lastIdLength, this.id, 0);
    this.idLength = this.lastIdLength;
  }

  /** Feeds the bytes `chunk[start, end)`; keeps no reference to `chunk` afterwards. */
  push(input: Buffer, start = 0, end = input.length): void {
    if (start >= end) return;
    // A view of exactly the input, so that every search stops at its end.
    const chunk = start === 0 && end === input.length ? input : input.subarray(start, end);
    const length = chunk.length;
    let pos = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk[pos] === LF) pos += 1;
    }
    if (!this.bomChecked) {
      while (this.bomMatched < 3 && pos < length && chunk[pos] === BOM[this.bomMatched]) {
        this.bomMatched += 1;
        pos += 1;
      }
      if (this.bomMatched === 3) {
        this.bomChecked = true;
      } else if (pos === length) {
        return; // could still become a BOM
      } else {
        // Not a BOM after all: the bytes taken for one are ordinary input.
        this.bomChecked = true;
        const taken = this.bomMatched;
        this.bomMatched = 0;
        if (taken > 0) this.scan(BOM.subarray(0, taken), 0);
      }
    }
    this.scan(chunk, pos);
    // Whatever data is still a range of the input must outlive it: copy it.
    if (this.dataBuf !== undefined) this.storeData();
  }

  /** The lines of `chunk[start, …)`. */
  private scan(chunk: Buffer, start: number): void {
    const end = chunk.length;
    let pos = start;
    let cr = chunk.indexOf(CR, pos);
    while (pos < end) {
      let eol: number;
      const first = chunk[pos];
      if (first === LF || first === CR) {
        // An empty line (the end of an event): no search needed.
        eol = pos;
      } else {
        const lf = chunk.indexOf(LF, pos);
        if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
        if (lf === -1) eol = cr;
        else if (cr === -1) eol = lf;
        else eol = lf < cr ? lf : cr;
        if (eol === -1) break;
      }

      if (this.lineOpen) {
        this.line.append(chunk, pos, eol);
        this.lineOpen = false;
        const length = this.line.length;
        this.line.length = 0;
        this.fieldLine(this.line.buf, 0, length, true);
      } else {
        this.fieldLine(chunk, pos, eol, false);
      }

      pos = eol + 1;
      if (chunk[eol] === CR) {
        if (pos < end) {
          if (chunk[pos] === LF) pos += 1;
        } else {
          this.skipLf = true;
        }
      }
    }
    if (pos < end) {
      this.line.append(chunk, pos, end);
      this.lineOpen = true;
    }
  }

  /** One line `buf[start, end)`; `stored` when `buf` is the parser's own line store. */
  private fieldLine(buf: Buffer, start: number, end: number, stored: boolean): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    if (buf[start] === COLON) return; // comment, e.g. the heartbeat `: hb`
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon += 1;
    let valueStart = colon + 1;
    if (valueStart < end && buf[valueStart] === SPACE) valueStart += 1;
    if (valueStart > end) valueStart = end;

    if (matches(buf, start, colon, FIELD_DATA)) this.data(buf, valueStart, end, stored);
    else if (matches(buf, start, colon, FIELD_ID)) this.setId(buf, valueStart, end);
    else if (matches(buf, start, colon, FIELD_RETRY)) this.retry(buf, valueStart, end);
    // `event` and unknown fields are ignored.
  }

  private data(buf: Buffer, start: number, end: number, stored: boolean): void {
    if (this.dataBuf === undefined && !this.dataStored && !stored) {
      // The fast path: the first data line, kept as a range of the input.
      this.dataBuf = buf;
      this.dataStart = start;
      this.dataEnd = end;
      return;
    }
    if (this.dataBuf !== undefined) this.storeData();
    if (this.dataStored) this.dataStore.appendByte(LF);
    this.dataStore.append(buf, start, end);
    this.dataStored = true;
  }

  /** Moves the data range into the parser's own store. */
  private storeData(): void {
    const buf = this.dataBuf!;
    this.dataBuf = undefined;
    if (this.dataStored) this.dataStore.appendByte(LF);
    this.dataStore.append(buf, this.dataStart, this.dataEnd);
    this.dataStored = true;
  }

  private setId(buf: Buffer, start: number, end: number): void {
    for (let i = start; i < end; i++) if (buf[i] === 0) return; // an id containing NUL is ignored
    const length = end - start;
    if (length > this.id.length) this.id = Buffer.alloc(length * 2);
    copyBytes(buf, start, end, this.id, 0);
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
    if (this.lastId.length < this.idLength) this.lastId = Buffer.alloc(this.id.length);
    copyBytes(this.id, 0, this.idLength, this.lastId, 0);
    this.lastIdLength = this.idLength;
    if (this.dataStored) {
      const length = this.dataStore.length;
      this.clearData();
      this.onEvent(this.dataStore.buf, 0, length);
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
    this.dataStored = false;
    this.dataStore.length = 0;
  }
}

/**
 * Copies `src[start, end)` to `dst` at `at`. A plain loop: event IDs are a few dozen bytes, for
 * which Buffer#copy's own overhead costs more than the copy.
 */
function copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): void {
  if (end - start > 64) {
    src.copy(dst, at, start, end);
    return;
  }
  for (let i = start; i < end; i++) dst[at++] = src[i]!;
}

function matches(buf: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}
