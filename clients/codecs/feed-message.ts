/**
 * Cheap reading of feed messages. The server guarantees that every feed message begins with
 * `{"seq":N,"ts":M,` (docs/protocol.md §1), so the hot path reads those two integers straight
 * from the bytes (or the string) without JSON.parse and without allocating: the result is
 * written into the shared {@link head} object, overwritten by every call.
 *
 * Only `update` messages take the fast path; anything else (`initial`, `reset`, `pong`,
 * `error`, or a message that does not follow the canonical layout) makes the readers return
 * false, and the caller parses it in full.
 */

/** Output of the last successful read: one shared object, so the hot path allocates nothing. */
export const head = { seq: 0, ts: 0 };

const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** More digits than this cannot be a safe integer. */
const MAX_DIGITS = 16;

const PREFIX_SEQ = codes('{"seq":');
const INFIX_TS = codes(',"ts":');
const TYPE_UPDATE = codes(',"type":"update"');

function codes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/**
 * Reads `seq` and `ts` of an `update` message held in `bytes[start, end)`. Returns true and
 * fills {@link head} when the message is an update in the canonical layout; false otherwise.
 */
export function readUpdateBytes(bytes: Uint8Array, start: number, end: number): boolean {
  let pos = start;
  if (end - pos < PREFIX_SEQ.length + INFIX_TS.length + TYPE_UPDATE.length + 3) return false;
  for (let i = 0; i < PREFIX_SEQ.length; i++) if (bytes[pos + i] !== PREFIX_SEQ[i]) return false;
  pos += PREFIX_SEQ.length;

  let seq = 0;
  let digits = 0;
  let c = bytes[pos]!;
  while (c >= DIGIT_0 && c <= DIGIT_9 && pos < end) {
    seq = seq * 10 + (c - DIGIT_0);
    digits += 1;
    c = bytes[++pos]!;
  }
  if (digits === 0 || digits > MAX_DIGITS || end - pos < INFIX_TS.length) return false;
  for (let i = 0; i < INFIX_TS.length; i++) if (bytes[pos + i] !== INFIX_TS[i]) return false;
  pos += INFIX_TS.length;

  let ts = 0;
  digits = 0;
  c = bytes[pos]!;
  while (c >= DIGIT_0 && c <= DIGIT_9 && pos < end) {
    ts = ts * 10 + (c - DIGIT_0);
    digits += 1;
    c = bytes[++pos]!;
  }
  if (digits === 0 || digits > MAX_DIGITS || end - pos <= TYPE_UPDATE.length) return false;
  for (let i = 0; i < TYPE_UPDATE.length; i++) if (bytes[pos + i] !== TYPE_UPDATE[i]) return false;
  c = bytes[pos + TYPE_UPDATE.length]!;
  if (c !== COMMA && c !== CLOSE_BRACE) return false;

  head.seq = seq;
  head.ts = ts;
  return true;
}

/** {@link readUpdateBytes} for a message already held as a string. */
export function readUpdateString(text: string): boolean {
  const end = text.length;
  let pos = 0;
  if (end < PREFIX_SEQ.length + INFIX_TS.length + TYPE_UPDATE.length + 3) return false;
  for (let i = 0; i < PREFIX_SEQ.length; i++) if (text.charCodeAt(pos + i) !== PREFIX_SEQ[i]) return false;
  pos += PREFIX_SEQ.length;

  let seq = 0;
  let digits = 0;
  let c = text.charCodeAt(pos);
  while (c >= DIGIT_0 && c <= DIGIT_9) {
    seq = seq * 10 + (c - DIGIT_0);
    digits += 1;
    c = text.charCodeAt(++pos);
  }
  if (digits === 0 || digits > MAX_DIGITS || end - pos < INFIX_TS.length) return false;
  for (let i = 0; i < INFIX_TS.length; i++) if (text.charCodeAt(pos + i) !== INFIX_TS[i]) return false;
  pos += INFIX_TS.length;

  let ts = 0;
  digits = 0;
  c = text.charCodeAt(pos);
  while (c >= DIGIT_0 && c <= DIGIT_9) {
    ts = ts * 10 + (c - DIGIT_0);
    digits += 1;
    c = text.charCodeAt(++pos);
  }
  if (digits === 0 || digits > MAX_DIGITS || end - pos <= TYPE_UPDATE.length) return false;
  for (let i = 0; i < TYPE_UPDATE.length; i++) if (text.charCodeAt(pos + i) !== TYPE_UPDATE[i]) return false;
  c = text.charCodeAt(pos + TYPE_UPDATE.length);
  if (c !== COMMA && c !== CLOSE_BRACE) return false;

  head.seq = seq;
  head.ts = ts;
  return true;
}

/** A message the hot path could not read: `initial`, `reset`, `pong`, `error`, or anything odd. */
export type ParsedMessage =
  | { kind: 'update'; seq: number; ts: number }
  | { kind: 'snapshot'; type: 'initial' | 'reset'; seq: number; ts: number; epoch: string; reason?: string }
  | { kind: 'pong'; id: string; ts: number; serverTs: number }
  | { kind: 'error'; code: string; message: string; n?: number }
  | { kind: 'invalid'; message: string };

/** Full parse of a rare message; never throws. */
export function parseMessage(text: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', message: `not JSON: ${preview(text)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', message: `not a JSON object: ${preview(text)}` };
  }
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'update':
      if (isSeq(m.seq) && Number.isSafeInteger(m.ts)) return { kind: 'update', seq: m.seq, ts: m.ts as number };
      break;
    case 'initial':
    case 'reset':
      if (isSeq(m.seq) && Number.isSafeInteger(m.ts) && typeof m.epoch === 'string') {
        const parsed: ParsedMessage = { kind: 'snapshot', type: m.type, seq: m.seq, ts: m.ts as number, epoch: m.epoch };
        if (typeof m.reason === 'string') parsed.reason = m.reason;
        return parsed;
      }
      break;
    case 'pong':
      if (typeof m.id === 'string' && Number.isSafeInteger(m.ts) && Number.isSafeInteger(m.serverTs)) {
        return { kind: 'pong', id: m.id, ts: m.ts as number, serverTs: m.serverTs as number };
      }
      break;
    case 'error': {
      const error: ParsedMessage = {
        kind: 'error',
        code: typeof m.code === 'string' ? m.code : 'WL_UNKNOWN',
        message: typeof m.message === 'string' ? m.message : '',
      };
      // The error of a refused chat message carries its `n`.
      if (isSeq(m.n)) error.n = m.n;
      return error;
    }
  }
  return { kind: 'invalid', message: `unexpected message: ${preview(text)}` };
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
