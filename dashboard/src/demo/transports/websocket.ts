import { PROTOCOLS } from '../../../../wire/protocols.js';
import { wsUrl } from '../../http.js';
import type { BrowserTransport, Cursor, TransportSink } from './types.js';
import { parseMessage, utf8Length } from './types.js';

/** Close codes with a meaning of their own (docs/protocol.md, "Close codes"). */
const CLOSE_REASONS: Record<number, string> = {
  1000: 'normal close',
  1001: 'the server is shutting down',
  1006: 'connection lost (no close frame)',
  1008: 'rate limited: too many messages',
  1009: 'message too large',
  4000: 'dropped by the control endpoint',
  4002: 'slow consumer: too much unread output',
};

/**
 * The feed over the browser's own `WebSocket`: `GET /ws?since=S&epoch=E`, one JSON message per
 * text frame; PING is a `{"type":"ping"}` message on the same socket.
 */
export class WebSocketTransport implements BrowserTransport {
  readonly protocol = 'ws' as const;
  private socket: WebSocket | undefined;
  private openedOnce = false;
  private closed = false;

  constructor(private readonly sink: TransportSink) {}

  open(cursor: Cursor): void {
    const query = cursor.since === undefined ? {} : { since: cursor.since, epoch: cursor.epoch };
    this.sink.request();
    const socket = new WebSocket(wsUrl(PROTOCOLS.ws.path, query));
    this.socket = socket;
    socket.onopen = () => {
      if (this.closed) return;
      this.openedOnce = true;
      this.sink.opened();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.closed || typeof event.data !== 'string') return;
      const message = parseMessage(event.data, this.sink);
      if (message !== undefined) this.sink.message(message, utf8Length(event.data));
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.closed) return;
      this.closed = true;
      const meaning = CLOSE_REASONS[event.code] ?? 'closed';
      const reason = this.openedOnce
        ? `WebSocket closed: ${event.code} ${meaning}${event.reason ? ` (“${event.reason}”)` : ''}`
        : 'WebSocket could not connect (server down, or the request was refused)';
      this.sink.dropped({ reason, neverOpened: !this.openedOnce });
    };
    // `error` is always followed by `close`, which reports the drop.
    socket.onerror = () => undefined;
  }

  ping(id: string, ts: number): void {
    if (this.socket?.readyState !== WebSocket.OPEN) {
      this.sink.log('PING not sent: the WebSocket is not open', 'warn');
      return;
    }
    this.socket.send(JSON.stringify({ type: 'ping', id, ts }));
  }

  close(): void {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, 'client disconnect');
  }
}
