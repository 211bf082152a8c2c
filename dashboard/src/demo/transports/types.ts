import type { Query, WireError } from '../../http.js';
import type { ProtocolName } from '../../protocols.js';

/** One live event of the demo feed (docs/protocol.md, demo mode). */
export interface DemoEvent {
  id: number;
  name: string;
  score: { home: number; away: number };
  minute: number;
}

/** A message from the server, as docs/protocol.md section 1 defines it. */
export type ServerMessage =
  | { type: 'initial'; seq: number; ts: number; epoch: string; data: { events: DemoEvent[] } }
  | { type: 'reset'; seq: number; ts: number; epoch: string; reason: string; data: { events: DemoEvent[] } }
  | { type: 'update'; seq: number; ts: number; data: DemoEvent }
  | { type: 'pong'; id: string; ts: number; serverTs: number }
  | { type: 'error'; code: string; message: string };

/** Where to continue the feed from: nothing (a fresh snapshot) or the last seq seen and its epoch. */
export interface Cursor {
  since?: number;
  epoch?: string;
}

export interface DropInfo {
  /** What happened, for the log. */
  reason: string;
  /** The server refused the request with this error (HTTP status and WL_ code), when known. */
  error?: WireError;
  /** The transport reconnects by itself (EventSource) in about this many ms: no backoff needed. */
  nativeRetryMs?: number;
  /** The connection was never established (as opposed to lost after it was up). */
  neverOpened: boolean;
}

/** What a transport tells the connection that owns it. */
export interface TransportSink {
  /** The connection is up: WebSocket open, EventSource open, or a poll answered. */
  opened(): void;
  message(message: ServerMessage, bytes: number): void;
  /** One HTTP request (or WebSocket upgrade) was sent. */
  request(): void;
  /** The connection is gone; the owner decides whether and when to reconnect. */
  dropped(info: DropInfo): void;
  log(text: string, level?: 'info' | 'warn' | 'error'): void;
  /** The cursor to resume from right now (polling asks before every request). */
  cursor(): Cursor;
}

/** One protocol as the browser speaks it: WebSocket, EventSource or fetch. */
export interface BrowserTransport {
  readonly protocol: ProtocolName;
  /** Opens the connection from `cursor`. Called once per transport object. */
  open(cursor: Cursor): void;
  /** Sends a PING; the pong comes back through `sink.message`. */
  ping(id: string, ts: number): void;
  /** Closes for good, silently (no `dropped`). */
  close(): void;
}

/** The query that resumes from `cursor` (`since` and `epoch`); none asks for a fresh snapshot. */
export function cursorQuery(cursor: Cursor): Query {
  return cursor.since === undefined ? {} : { since: cursor.since, epoch: cursor.epoch };
}

/** Parses one JSON message; undefined (and a log line) when it is not one. */
export function parseMessage(text: string, sink: TransportSink): ServerMessage | undefined {
  try {
    const message = JSON.parse(text) as ServerMessage;
    if (message === null || typeof message !== 'object' || typeof (message as { type?: unknown }).type !== 'string')
      throw new Error('no type');
    return message;
  } catch {
    sink.log(`ignored a message that is not a wirelab message: ${text.slice(0, 80)}`, 'warn');
    return undefined;
  }
}

/** The browser's microseconds for a PING `ts`: integer, non-negative, from the page's own clock. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Bytes of a string as UTF-8 (what the message took on the wire, framing aside). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
