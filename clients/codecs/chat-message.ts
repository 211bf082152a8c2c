/**
 * Chat messages as clients send them and read them back (docs/protocol.md §7). The server
 * relays each as a feed update of its room whose data starts `{"chat":{"from":…,"n":…,"ts":…`,
 * so the hot path reads sender, sequence and send time straight from the bytes, like
 * {@link readUpdateBytes} reads `seq` and `ts`.
 */

/** Output of the last successful {@link readChatBytes}: one shared object, overwritten by every call. */
export const chatHead = { from: '', n: 0, ts: 0 };

export interface OutgoingChat {
  readonly from: string;
  readonly n: number;
  readonly ts: number;
  readonly text: string;
  readonly room: string | undefined;
}

/** The JSON of a chat message: with `"type":"chat"` on a WebSocket, without it as a `POST /chat` body. */
export function chatJson(message: OutgoingChat, typed: boolean): string {
  const type = typed ? '"type":"chat",' : '';
  const room = message.room === undefined ? '' : `,"room":${JSON.stringify(message.room)}`;
  return `{${type}"from":${JSON.stringify(message.from)},"n":${message.n},"ts":${message.ts}${room},"text":${JSON.stringify(message.text)}}`;
}

const SENDER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Whether `id` may name a chat sender (what the server accepts as `from`). */
export function isSenderId(id: string): boolean {
  return SENDER_ID.test(id);
}

const QUOTE = 0x22;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MAX_DIGITS = 16;
const MAX_SENDER_LENGTH = 64;

const SEQ = codes('{"seq":');
const TS = codes(',"ts":');
const CHAT = codes(',"type":"update","data":{"chat":{"from":"');
const N = codes('","n":');

function codes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/**
 * Reads sender, sequence and send time of a relayed chat message held in `bytes[start, end)`.
 * Returns true and fills {@link chatHead} when the message is a chat update in the canonical
 * layout; false for anything else (another update, a snapshot, a pong).
 */
export function readChatBytes(bytes: Uint8Array, start: number, end: number): boolean {
  let pos = match(bytes, start, end, SEQ);
  if (pos < 0 || (pos = skipDigits(bytes, pos, end)) < 0) return false;
  if ((pos = match(bytes, pos, end, TS)) < 0 || (pos = skipDigits(bytes, pos, end)) < 0) return false;
  if ((pos = match(bytes, pos, end, CHAT)) < 0) return false;
  const fromStart = pos;
  while (pos < end && bytes[pos] !== QUOTE) pos += 1;
  if (pos === fromStart || pos === end || pos - fromStart > MAX_SENDER_LENGTH) return false;
  const fromEnd = pos;
  if ((pos = match(bytes, pos, end, N)) < 0) return false;
  const n = readInteger(bytes, pos, end);
  if (n < 0) return false;
  pos = integerEnd;
  if ((pos = match(bytes, pos, end, TS)) < 0) return false;
  const ts = readInteger(bytes, pos, end);
  if (ts < 0) return false;
  chatHead.from = latin1(bytes, fromStart, fromEnd);
  chatHead.n = n;
  chatHead.ts = ts;
  return true;
}

/** The position after `expected` at `pos`, or -1. */
function match(bytes: Uint8Array, pos: number, end: number, expected: Uint8Array): number {
  if (end - pos < expected.length) return -1;
  for (let i = 0; i < expected.length; i++) if (bytes[pos + i] !== expected[i]) return -1;
  return pos + expected.length;
}

function skipDigits(bytes: Uint8Array, pos: number, end: number): number {
  const start = pos;
  while (pos < end && bytes[pos]! >= DIGIT_0 && bytes[pos]! <= DIGIT_9) pos += 1;
  return pos === start || pos - start > MAX_DIGITS ? -1 : pos;
}

/** Where the integer read by the last {@link readInteger} ended. */
let integerEnd = 0;

function readInteger(bytes: Uint8Array, pos: number, end: number): number {
  let value = 0;
  const start = pos;
  while (pos < end && bytes[pos]! >= DIGIT_0 && bytes[pos]! <= DIGIT_9) value = value * 10 + (bytes[pos++]! - DIGIT_0);
  if (pos === start || pos - start > MAX_DIGITS) return -1;
  integerEnd = pos;
  return value;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
