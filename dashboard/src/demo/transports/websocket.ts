import { PROTOCOLS } from '../../../../wire/protocols.js';
import { wsUrl } from '../../http.js';
import { NativeTransport } from './native-transport.js';
import type { BrowserTransport, Cursor } from './types.js';
import { cursorQuery } from './types.js';

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
export class WebSocketTransport extends NativeTransport implements BrowserTransport {
  readonly protocol = 'ws' as const;
  private socket: WebSocket | undefined;

  open(cursor: Cursor): void {
    this.sink.request();
    const socket = new WebSocket(wsUrl(PROTOCOLS.ws.path, cursorQuery(cursor)));
    this.socket = socket;
    socket.onopen = () => this.onOpen();
    // Only text frames carry feed messages.
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') this.onText(event.data);
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
