/**
 * HTTP/1.1 answers read straight from a socket's reads: the response head (status line and
 * headers), then the body, framed by `Transfer-Encoding: chunked`, `Content-Length` or the end
 * of the connection (RFC 9112 §6). Used by the WebSocket handshake and the SSE stream, whose
 * body bytes are handed on as ranges of the buffer they were read into, without copies. Input
 * is always a range `buf[from, to)`: nothing past `to` is looked at, and no reference to it
 * is kept after a call, so the caller may reuse one read buffer for every socket.
 *
 * Pure: no sockets here, so every part can be fed a stream split at every byte in tests.
 */
import { WirelabError } from '../../wire/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const SEMICOLON = 0x3b;

/** Largest response head accepted (Node's own default limit). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size line (size plus extensions) and total trailer section accepted. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
const MAX_TRAILER_BYTES = 16 * 1024;
/** More hex digits than this cannot be a safe integer. */
const MAX_SIZE_DIGITS = 13;

/** An answer that is not well-formed HTTP/1.1 (WL_BAD_ANSWER). */
export class HttpParseError extends WirelabError {
  constructor(message: string) {
    super('WL_BAD_ANSWER', message);
    this.name = 'HttpParseError';
  }
}

export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  /** Header names in lower case; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
}

const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Gathers a response head from successive reads. {@link push} returns undefined until the
 * blank line that ends the head has arrived; then the parsed head and where the body begins.
 * Throws {@link HttpParseError} on a malformed or oversized head. Keeps no reference to the
 * bytes it is given (what it must keep, it copies).
 */
export class ResponseHeadReader {
  private pending: Buffer | undefined;

  /** Feeds `chunk[from, to)`. The body's first bytes, if any, are `buf[bodyStart, bodyEnd)`. */
  push(chunk: Buffer, from = 0, to = chunk.length): { head: ResponseHead; buf: Buffer; bodyStart: number; bodyEnd: number } | undefined {
    let buf = chunk.subarray(from, to);
    let searchFrom = 0;
    if (this.pending !== undefined) {
      // A head split across reads (rare, bounded by MAX_HEAD_BYTES): join and look again,
      // from just before where the previous search stopped.
      searchFrom = Math.max(0, this.pending.length - 3);
      buf = Buffer.concat([this.pending, buf]);
    }
    const end = findHeadEnd(buf, searchFrom);
    if (end === -1) {
      if (buf.length > MAX_HEAD_BYTES) throw new HttpParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      this.pending = this.pending === undefined ? Buffer.from(buf) : buf;
      return undefined;
    }
    this.pending = undefined;
    if (end.headEnd > MAX_HEAD_BYTES) throw new HttpParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
    return { head: parseHead(buf.toString('latin1', 0, end.headEnd)), buf, bodyStart: end.bodyStart, bodyEnd: buf.length };
  }
}

/** Where the head in `buf` ends (before its blank line) and the body begins; -1 if not yet. */
function findHeadEnd(buf: Buffer, from: number): { headEnd: number; bodyStart: number } | -1 {
  let lf = buf.indexOf(LF, from);
  while (lf !== -1) {
    // The line after this LF is empty when the next byte is LF, or CR then LF.
    const next = lf + 1;
    if (next < buf.length && buf[next] === LF) return { headEnd: lf, bodyStart: next + 1 };
    if (next + 1 < buf.length && buf[next] === CR && buf[next + 1] === LF) return { headEnd: lf, bodyStart: next + 2 };
    if (next + 1 >= buf.length) return -1;
    lf = buf.indexOf(LF, next);
  }
  return -1;
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const statusLine = lines[0] ?? '';
  const match = STATUS_LINE.exec(statusLine);
  if (match === null) throw new HttpParseError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 100))}`);
  const headers = Object.create(null) as Record<string, string>;
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // Obsolete line folding: the value goes on.
      if (last === undefined) throw new HttpParseError('a folded header line without a header');
      headers[last] = `${headers[last]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) throw new HttpParseError(`bad header line: ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    last = name;
  }
  return { status: Number(match[2]), statusText: match[3] ?? '', version: `HTTP/${match[1]}`, headers };
}

/** Where the body of a response goes. */
export interface BodySink {
  /** Body bytes `buf[start, end)`: a range of the read they arrived in, valid during the call. */
  data(buf: Buffer, start: number, end: number): void;
  /** The body is complete. */
  end(): void;
  /** The body is malformed (bad chunked framing): nothing more is read. */
  error(message: string): void;
}

/** How the body is delimited. */
const Mode = { None: 0, Length: 1, Chunked: 2, Close: 3 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

/** Where the chunked decoder is. */
const Chunk = {
  Size: 0,
  Extension: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  TrailerLineStart: 6,
  TrailerLine: 7,
  TrailerEndLf: 8,
} as const;
type Chunk = (typeof Chunk)[keyof typeof Chunk];

/**
 * Decodes one response body. Created from the head (the framing is chosen as RFC 9112 §6.3
 * says for a response to GET), fed every chunk after the head with {@link push}, and told
 * with {@link finish} when the connection ended. Bytes after the end of the body are ignored.
 */
export class BodyDecoder {
  private readonly mode: Mode;
  private remaining = 0;
  private state: Chunk = Chunk.Size;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private ended = false;

  constructor(
    head: ResponseHead,
    private readonly sink: BodySink,
  ) {
    const { status, headers } = head;
    const transferEncoding = headers['transfer-encoding'];
    const contentLength = headers['content-length'];
    if ((status >= 100 && status < 200) || status === 204 || status === 304) {
      this.mode = Mode.None;
    } else if (transferEncoding !== undefined) {
      const codings = transferEncoding.split(',');
      this.mode = codings[codings.length - 1]!.trim().toLowerCase() === 'chunked' ? Mode.Chunked : Mode.Close;
    } else if (contentLength !== undefined) {
      const values = new Set(contentLength.split(',').map((value) => value.trim()));
      const [value] = values;
      if (values.size !== 1 || !/^\d{1,15}$/.test(value!)) throw new HttpParseError(`bad content-length: ${JSON.stringify(contentLength)}`);
      this.mode = Mode.Length;
      this.remaining = Number(value);
    } else {
      this.mode = Mode.Close;
    }
  }

  /** The body is complete (or broken): later input is ignored. */
  get done(): boolean {
    return this.ended;
  }

  /** Whether the body has no bytes at all; call {@link start} to report its end. */
  get empty(): boolean {
    return this.mode === Mode.None || (this.mode === Mode.Length && this.remaining === 0);
  }

  /** Reports the end at once for a body that is empty by its framing. */
  start(): void {
    if (this.empty) this.finishBody();
  }

  /** Reads nothing more and reports nothing more (the owner dropped the connection). */
  stop(): void {
    this.ended = true;
  }

  /** Feeds `chunk[from, to)`. */
  push(chunk: Buffer, from = 0, to = chunk.length): void {
    if (this.ended) return;
    switch (this.mode) {
      case Mode.Chunked:
        this.chunked(chunk, from, to);
        return;
      case Mode.Close:
        if (from < to) this.sink.data(chunk, from, to);
        return;
      case Mode.Length: {
        const end = Math.min(to, from + this.remaining);
        if (end > from) {
          this.remaining -= end - from;
          this.sink.data(chunk, from, end);
        }
        if (this.remaining === 0) this.finishBody();
        return;
      }
      case Mode.None:
        this.finishBody();
        return;
    }
  }

  /**
   * The connection ended. Returns true when that completed the body (a body delimited by the
   * close, or one already complete); false when the body was cut off.
   */
  finish(): boolean {
    if (this.ended) return true;
    if (this.mode === Mode.Close) {
      this.finishBody();
      return true;
    }
    return false;
  }

  private finishBody(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
  }

  private broken(message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.error(message);
  }

  private chunked(chunk: Buffer, from: number, length: number): void {
    let pos = from;
    while (pos < length && !this.ended) {
      switch (this.state) {
        case Chunk.Data: {
          const end = Math.min(length, pos + this.remaining);
          this.remaining -= end - pos;
          const start = pos;
          pos = end;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          this.sink.data(chunk, start, end);
          break;
        }
        case Chunk.Size: {
          const c = chunk[pos]!;
          const value = hexValue(c);
          if (value >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.broken('chunk size too large');
            this.size = this.size * 16 + value;
            pos += 1;
            this.lineBytes += 1;
          } else if (c === CR) {
            this.state = Chunk.SizeLf;
            pos += 1;
          } else if (c === LF) {
            pos += 1;
            this.sizeLineEnd();
          } else if (c === SEMICOLON || c === SPACE || c === TAB) {
            this.state = Chunk.Extension;
          } else {
            return this.broken(`invalid character 0x${c.toString(16)} in a chunk size`);
          }
          break;
        }
        case Chunk.Extension: {
          // Chunk extensions (and white space before them) are skipped up to the line end.
          const lf = indexOfLf(chunk, pos, length);
          const stop = lf === -1 ? length : lf;
          this.lineBytes += stop - pos;
          if (this.lineBytes > MAX_CHUNK_LINE_BYTES) return this.broken('chunk extensions too long');
          pos = stop;
          if (lf !== -1) {
            pos += 1;
            this.sizeLineEnd();
          }
          break;
        }
        case Chunk.SizeLf:
          if (chunk[pos] !== LF) return this.broken('a chunk size line not ended by CRLF');
          pos += 1;
          this.sizeLineEnd();
          break;
        case Chunk.DataCr: {
          const c = chunk[pos]!;
          pos += 1;
          if (c === CR) this.state = Chunk.DataLf;
          else if (c === LF) this.state = Chunk.Size;
          else return this.broken('chunk data not followed by CRLF');
          break;
        }
        case Chunk.DataLf:
          if (chunk[pos] !== LF) return this.broken('chunk data not followed by CRLF');
          pos += 1;
          this.state = Chunk.Size;
          break;
        case Chunk.TrailerLineStart: {
          const c = chunk[pos]!;
          if (c === CR) {
            pos += 1;
            this.state = Chunk.TrailerEndLf;
          } else if (c === LF) {
            this.finishBody();
            return;
          } else {
            this.state = Chunk.TrailerLine;
          }
          break;
        }
        case Chunk.TrailerLine: {
          const lf = indexOfLf(chunk, pos, length);
          const stop = lf === -1 ? length : lf + 1;
          this.trailerBytes += stop - pos;
          if (this.trailerBytes > MAX_TRAILER_BYTES) return this.broken('trailers too long');
          pos = stop;
          if (lf !== -1) this.state = Chunk.TrailerLineStart;
          break;
        }
        case Chunk.TrailerEndLf:
          if (chunk[pos] !== LF) return this.broken('trailers not ended by CRLF');
          this.finishBody();
          return;
      }
    }
  }

  private sizeLineEnd(): void {
    if (this.digits === 0) {
      this.broken('a chunk without a size');
      return;
    }
    const size = this.size;
    this.size = 0;
    this.digits = 0;
    this.lineBytes = 0;
    if (size === 0) {
      this.state = Chunk.TrailerLineStart;
    } else {
      this.remaining = size;
      this.state = Chunk.Data;
    }
  }
}

/** The first LF in `buf[from, to)`, or -1; never looks past `to` (the read buffer may be reused). */
function indexOfLf(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) if (buf[i] === LF) return i;
  return -1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * A {@link BodySink} that gathers a small body (an error answer) up to `limit` bytes. `done`
 * gets the body, or undefined when it was too large, malformed or cut off.
 */
export class BodyCollector implements BodySink {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly limit: number,
    private readonly done: (body: Buffer | undefined) => void,
  ) {}

  data(buf: Buffer, start: number, end: number): void {
    if (this.settled) return;
    this.size += end - start;
    if (this.size > this.limit) {
      this.settle(undefined);
      return;
    }
    this.parts.push(Buffer.from(buf.subarray(start, end)));
  }

  end(): void {
    this.settle(Buffer.concat(this.parts, this.size));
  }

  error(): void {
    this.settle(undefined);
  }

  /** The connection ended before the body did. */
  cutOff(): void {
    this.settle(undefined);
  }

  private settle(body: Buffer | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.done(body);
  }
}
