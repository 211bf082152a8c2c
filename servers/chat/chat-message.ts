import { WirelabError } from '../../wire/errors.js';
import { checkRoomName, type ChatRooms } from './rooms.js';

/** A chat message as a client sends it (docs/protocol.md §7). */
export interface ChatMessage {
  /** The sender's client id. */
  readonly from: string;
  /** The sender's own sequence number: 1, 2, 3 … per sender, so receivers can check each sender's stream. */
  readonly n: number;
  /** The sender's clock when it sent the message (monotonic µs), for end-to-end latency. */
  readonly ts: number;
  readonly text: string;
  /** The room; the lobby (the main feed) when absent. */
  readonly room: string | undefined;
}

const SENDER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MEMBERS = new Set(['from', 'n', 'ts', 'text', 'room']);

/**
 * Checks a chat message (the parsed JSON of a WebSocket `chat` message or a `POST /chat`
 * body) and returns it; throws `code` (WL_BAD_MESSAGE or WL_BAD_BODY) naming the member at
 * fault. `type` is accepted, and must be `chat`, only where the message says its type (WebSocket).
 */
export function readChat(value: unknown, code: 'WL_BAD_MESSAGE' | 'WL_BAD_BODY', typed: boolean): ChatMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WirelabError(code, 'a chat message must be a JSON object');
  const message = value as Record<string, unknown>;
  for (const key of Object.keys(message)) {
    if (MEMBERS.has(key) || (typed && key === 'type')) continue;
    throw new WirelabError(code, `chat message has an unknown member ${JSON.stringify(key)}`);
  }
  const { from, n, ts, text, room } = message;
  if (typeof from !== 'string' || !SENDER_ID.test(from)) {
    throw new WirelabError(code, `chat needs "from": 1 to 64 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(from ?? null)}`);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
    throw new WirelabError(code, 'chat needs "n": the sender\'s sequence number, an integer >= 1');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0)
    throw new WirelabError(code, 'chat needs "ts": the sender\'s clock in microseconds, an integer >= 0');
  if (typeof text !== 'string') throw new WirelabError(code, 'chat needs "text": a string');
  return { from, n, ts, text, room: room === undefined ? undefined : checkRoomName(room, code, 'chat "room"') };
}

/**
 * The `data` of the feed update that relays `message`, in a fixed member order (`from`, `n`,
 * `ts` first) so that receivers can read the sender and its sequence without a JSON parse.
 */
export function chatData(message: ChatMessage): string {
  const room = message.room === undefined ? '' : `,"room":"${message.room}"`;
  return `{"chat":{"from":"${message.from}","n":${message.n},"ts":${message.ts}${room},"text":${JSON.stringify(message.text)}}}`;
}

/** Publishes `message` in its room: every member receives it as a feed update. */
export function relayChat(rooms: ChatRooms, message: ChatMessage): void {
  const data = chatData(message);
  rooms.chatFeed(message.room).publish(() => data);
}
