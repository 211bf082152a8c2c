/**
 * The harness's publish marker: when wirelab publishes into a server that is not its own, each
 * message carries a 32-byte ASCII token with the harness's sequence number and its monotonic
 * publish timestamp, so a receiving client can find both whatever the server wraps around the
 * body (its own JSON, an SSE `data:` line, a Socket.IO event array, a multipart poll answer):
 *
 *     ~wl1.RRRR.SSSSSSSS.TTTTTTTTTTTT~
 *
 * `~wl1.` is the fixed prefix (format version 1); `RRRR` the run tag (4 lower-case hex digits,
 * random per run, so markers a server still buffers from an earlier run are told apart);
 * `SSSSSSSS` the seq (8 hex digits); `TTTTTTTTTTTT` the publish time in µs on the harness's
 * monotonic clock, modulo 2^48 (12 hex digits, about 8.9 years; {@link unwrapTimestamp} puts
 * the high bits back from the receiver's clock). Every character is one that JSON, URL, form
 * and HTML encoders, SSE framing and Engine.IO leave alone, so the token survives escaping,
 * even escaping nested several times. A message is the token followed by `x` padding up to the
 * size asked for; padding cannot contain the prefix.
 *
 * Finding markers costs one native one-byte `indexOf` of the prefix's `~` per candidate plus one
 * over the rest of the message; a candidate is accepted only if every one of its 32 bytes has
 * the exact shape, so text that merely contains the prefix is never read as a marker.
 *
 * The scanner looks at one whole message (or one whole poll answer) at a time. Joining a
 * message split across socket reads is the caller's framing (the WebSocket frame parser, the
 * SSE event parser, the HTTP body reader): a marker split across two reads is found once the
 * message is whole, never in a fragment.
 */

/** Length of one marker in bytes (and characters). */
export const MARKER_BYTES = 32;
export const MARKER_PREFIX = '~wl1.';
/** Largest seq a marker can carry. */
export const MAX_MARKER_SEQ = 0xffff_ffff;
/** Timestamps are carried modulo this (2^48 µs). */
export const TIMESTAMP_WRAP = 2 ** 48;

const RUN_AT = 5;
const SEQ_AT = 10;
const TS_AT = 19;
const END_AT = 31;
const DOT = 0x2e;
const TILDE = 0x7e;
const W = 0x77;
const L = 0x6c;
const ONE = 0x31;
const PAD = 'x';
const RUN_PATTERN = /^[0-9a-f]{4}$/;

/** A new random run tag: 4 lower-case hex digits. */
export function newRunTag(random: () => number = Math.random): string {
  return Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
}

export function isRunTag(value: string): boolean {
  return RUN_PATTERN.test(value);
}

/** The 32-character marker of `seq` published at `ts` (µs) in run `run`. */
export function encodeMarker(run: string, seq: number, ts: number): string {
  if (!isRunTag(run)) throw new RangeError(`run tag must be 4 lower-case hex digits, got ${JSON.stringify(run)}`);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_MARKER_SEQ)
    throw new RangeError(`marker seq must be an integer in 0 … ${MAX_MARKER_SEQ}, got ${seq}`);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`marker timestamp must be an integer >= 0, got ${ts}`);
  return `${MARKER_PREFIX}${run}.${seq.toString(16).padStart(8, '0')}.${(ts % TIMESTAMP_WRAP).toString(16).padStart(12, '0')}~`;
}

let padding = PAD.repeat(1024);

/**
 * A whole published message of exactly `bytes` bytes: the marker, then `x` padding. Fewer than
 * {@link MARKER_BYTES} bytes cannot carry a marker: that is a RangeError.
 */
export function markedMessage(run: string, seq: number, ts: number, bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < MARKER_BYTES)
    throw new RangeError(`a marked message needs at least ${MARKER_BYTES} bytes, got ${bytes}`);
  const marker = encodeMarker(run, seq, ts);
  const pad = bytes - MARKER_BYTES;
  if (pad > padding.length) padding = PAD.repeat(pad);
  return pad === 0 ? marker : marker + padding.slice(0, pad);
}

/**
 * The full timestamp of a marker's 48-bit `low` value, from a later reading `now` of the same
 * clock: the largest value <= now that is congruent to `low`. The identity while the clock is
 * below 2^48 µs (8.9 years of uptime).
 */
export function unwrapTimestamp(low: number, now: number): number {
  if (now < TIMESTAMP_WRAP && low <= now) return low;
  const behind = (((now - low) % TIMESTAMP_WRAP) + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
  return now - behind;
}

/**
 * Finds the markers of one run in received messages. One scanner may serve many clients (a
 * scan is synchronous and its results are read before the next one): {@link scan} writes into
 * arrays that grow and are never shrunk, so steady scanning allocates nothing but one view.
 */
export class MarkerScanner {
  /** Seqs of the markers found by the last scan, in the order they appear. */
  readonly seqs: number[] = [];
  /** Publish timestamps (µs, unwrapped) of the markers found by the last scan. */
  readonly timestamps: number[] = [];
  /** Well-formed markers of another run seen so far (an earlier run's messages a server replays). */
  otherRuns = 0;
  private readonly run0: number;
  private readonly run1: number;
  private readonly run2: number;
  private readonly run3: number;

  constructor(readonly run: string) {
    if (!isRunTag(run)) throw new RangeError(`run tag must be 4 lower-case hex digits, got ${JSON.stringify(run)}`);
    this.run0 = run.charCodeAt(0);
    this.run1 = run.charCodeAt(1);
    this.run2 = run.charCodeAt(2);
    this.run3 = run.charCodeAt(3);
  }

  /**
   * Scans `buf[start, end)` (one whole message or poll answer) received at `now` (µs, to unwrap
   * the timestamps); returns how many markers of this run it holds. Never reads outside the range.
   */
  scan(buf: Buffer, start: number, end: number, now: number): number {
    const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    const limit = view.length - MARKER_BYTES;
    let count = 0;
    let from = 0;
    while (from <= limit) {
      // A one-byte search (memchr) costs a fraction of a multi-byte one; the rest of the
      // prefix is compared by hand.
      const at = view.indexOf(TILDE, from);
      if (at === -1 || at > limit) break;
      if (
        view[at + 1] !== W ||
        view[at + 2] !== L ||
        view[at + 3] !== ONE ||
        view[at + RUN_AT - 1] !== DOT ||
        view[at + SEQ_AT - 1] !== DOT ||
        view[at + TS_AT - 1] !== DOT ||
        view[at + END_AT] !== TILDE
      ) {
        from = at + 1;
        continue;
      }
      const seq = readHex(view, at + SEQ_AT, 8);
      const ts = readHex(view, at + TS_AT, 12);
      if (seq < 0 || ts < 0 || readHex(view, at + RUN_AT, 4) < 0) {
        from = at + 1;
        continue;
      }
      if (
        view[at + RUN_AT] !== this.run0 ||
        view[at + RUN_AT + 1] !== this.run1 ||
        view[at + RUN_AT + 2] !== this.run2 ||
        view[at + RUN_AT + 3] !== this.run3
      ) {
        this.otherRuns += 1;
      } else {
        this.seqs[count] = seq;
        this.timestamps[count] = unwrapTimestamp(ts, now);
        count += 1;
      }
      from = at + MARKER_BYTES;
    }
    return count;
  }
}

/** The value of `digits` lower-case hex digits at `buf[at]`, or -1 when one is not. */
function readHex(buf: Uint8Array, at: number, digits: number): number {
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const c = buf[at + i]!;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else return -1;
    value = value * 16 + d;
  }
  return value;
}
