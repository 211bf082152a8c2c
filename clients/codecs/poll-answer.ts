/**
 * Reads a polling answer `{"epoch":"…","next":N,"events":[…]}` without JSON.parse: one
 * structural pass over the bytes finds `epoch`, `next` and the byte range of each event, so
 * each event can go through the same cheap reader as a WebSocket frame, and its byte length
 * is exact. Member order and white space do not matter; unknown members are skipped.
 *
 * One reader is reused for every answer of a client: ranges are written into a growing array
 * that is never shrunk, so a steady stream of answers allocates nothing here.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const KEY_EPOCH = bytesOf('epoch');
const KEY_NEXT = bytesOf('next');
const KEY_EVENTS = bytesOf('events');

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

export class PollAnswerReader {
  /** The answer's epoch (decoded only when it differs from `known`). */
  epoch = '';
  next = -1;
  /** Number of events; event i is `ranges[2i] … ranges[2i+1]`. */
  count = 0;
  readonly ranges: number[] = [];
  /** Why the last {@link read} failed. */
  error = '';

  /**
   * Reads `buf`. Returns false (and sets {@link error}) when it is not a well-formed answer.
   * `known` is the epoch the client already has: when equal, no string is allocated.
   */
  read(buf: Buffer, known?: string): boolean {
    this.next = -1;
    this.count = 0;
    let epochFound = false;
    let eventsFound = false;
    const end = buf.length;
    let pos = skipSpace(buf, 0, end);
    if (buf[pos] !== OPEN_BRACE) return this.fail('the answer is not a JSON object');
    pos = skipSpace(buf, pos + 1, end);
    if (buf[pos] === CLOSE_BRACE) return this.fail('the answer is an empty object');
    for (;;) {
      if (buf[pos] !== QUOTE) return this.fail(`expected a member name at byte ${pos}`);
      const keyEnd = stringEnd(buf, pos, end);
      if (keyEnd < 0) return this.fail('unterminated member name');
      const keyStart = pos + 1;
      pos = skipSpace(buf, keyEnd, end);
      if (buf[pos] !== COLON) return this.fail(`expected ':' at byte ${pos}`);
      pos = skipSpace(buf, pos + 1, end);

      if (equals(buf, keyStart, keyEnd - 1, KEY_EVENTS)) {
        pos = this.readEvents(buf, pos, end);
        if (pos < 0) return false;
        eventsFound = true;
      } else if (equals(buf, keyStart, keyEnd - 1, KEY_EPOCH)) {
        if (buf[pos] !== QUOTE) return this.fail('epoch is not a string');
        const afterEpoch = stringEnd(buf, pos, end);
        if (afterEpoch < 0) return this.fail('unterminated epoch');
        if (known === undefined || !equalsString(buf, pos + 1, afterEpoch - 1, known)) {
          const escape = buf.indexOf(BACKSLASH, pos);
          if (escape !== -1 && escape < afterEpoch) {
            try {
              this.epoch = JSON.parse(buf.toString('utf8', pos, afterEpoch)) as string;
            } catch {
              return this.fail('malformed epoch');
            }
          } else {
            this.epoch = buf.toString('utf8', pos + 1, afterEpoch - 1);
          }
        } else {
          this.epoch = known;
        }
        epochFound = true;
        pos = afterEpoch;
      } else if (equals(buf, keyStart, keyEnd - 1, KEY_NEXT)) {
        let value = 0;
        let digits = 0;
        while (pos < end && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) {
          value = value * 10 + (buf[pos]! - 0x30);
          digits += 1;
          pos += 1;
        }
        if (digits === 0 || digits > 16) return this.fail('next is not a non-negative integer');
        this.next = value;
      } else {
        pos = valueEnd(buf, pos, end);
        if (pos < 0) return this.fail('malformed member value');
      }

      pos = skipSpace(buf, pos, end);
      if (buf[pos] === COMMA) {
        pos = skipSpace(buf, pos + 1, end);
        continue;
      }
      if (buf[pos] === CLOSE_BRACE) break;
      return this.fail(`expected ',' or '}' at byte ${pos}`);
    }
    if (!eventsFound) return this.fail('the answer has no events');
    if (!epochFound) return this.fail('the answer has no epoch');
    if (this.next < 0) return this.fail('the answer has no next');
    return true;
  }

  private readEvents(buf: Buffer, pos: number, end: number): number {
    if (buf[pos] !== OPEN_BRACKET) return this.failAt('events is not an array');
    pos = skipSpace(buf, pos + 1, end);
    if (buf[pos] === CLOSE_BRACKET) return pos + 1;
    for (;;) {
      const start = pos;
      if (buf[start] !== OPEN_BRACE) return this.failAt('an event is not a JSON object');
      pos = valueEnd(buf, pos, end);
      if (pos < 0) return this.failAt('unterminated event');
      const index = this.count * 2;
      this.ranges[index] = start;
      this.ranges[index + 1] = pos;
      this.count += 1;
      pos = skipSpace(buf, pos, end);
      if (buf[pos] === COMMA) {
        pos = skipSpace(buf, pos + 1, end);
        continue;
      }
      if (buf[pos] === CLOSE_BRACKET) return pos + 1;
      return this.failAt(`expected ',' or ']' at byte ${pos}`);
    }
  }

  private fail(message: string): false {
    this.error = message;
    return false;
  }

  private failAt(message: string): -1 {
    this.error = message;
    return -1;
  }
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(buf: Buffer, pos: number, end: number): number {
  while (pos < end && isSpace(buf[pos])) pos += 1;
  return pos;
}

/** `pos` is at an opening quote; returns the index after the closing one, or -1. */
function stringEnd(buf: Buffer, pos: number, end: number): number {
  let from = pos + 1;
  for (;;) {
    const quote = buf.indexOf(QUOTE, from);
    if (quote === -1 || quote >= end) return -1;
    let backslashes = 0;
    for (let i = quote - 1; i > pos && buf[i] === BACKSLASH; i--) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index after the JSON value starting at `pos`, or -1. */
function valueEnd(buf: Buffer, pos: number, end: number): number {
  const first = buf[pos];
  if (first === QUOTE) return stringEnd(buf, pos, end);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = pos; i < end; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        const after = stringEnd(buf, i, end);
        if (after < 0) return -1;
        i = after - 1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth += 1;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // number, true, false, null
  let i = pos;
  while (i < end) {
    const c = buf[i];
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    i += 1;
  }
  return i === pos ? -1 : i;
}

function equals(buf: Buffer, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

function equalsString(buf: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false;
  return true;
}
