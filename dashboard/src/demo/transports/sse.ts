import { PROTOCOLS } from '../../../../wire/protocols.js';
import { TIMINGS } from '../../../../wire/timings.js';
import { httpUrl } from '../../http.js';
import { postPing } from './http-ping.js';
import { NativeTransport } from './native-transport.js';
import type { BrowserTransport, Cursor } from './types.js';
import { cursorQuery } from './types.js';

/**
 * The feed over the browser's own `EventSource`: `GET /sse?since=S&epoch=E`. Every event has
 * `id: EPOCH:SEQ`, so when the stream breaks EventSource reconnects by itself and sends
 * `Last-Event-ID`: resume needs no code here. Only when EventSource gives up (the server
 * answered with an error status) does the owner make a new one, passing `?since=&epoch=`.
 */
export class SseTransport extends NativeTransport implements BrowserTransport {
  readonly protocol = 'sse' as const;
  private source: EventSource | undefined;

  open(cursor: Cursor): void {
    this.sink.request();
    const source = new EventSource(httpUrl(PROTOCOLS.sse.path, cursorQuery(cursor)));
    this.source = source;
    source.onopen = () => this.onOpen();
    source.onmessage = (event: MessageEvent<string>) => this.onText(event.data);
    source.onerror = () => {
      if (this.closed) return;
      if (source.readyState === EventSource.CONNECTING) {
        // EventSource reconnects by itself after `retry` ms, sending Last-Event-ID.
        this.sink.request();
        this.sink.dropped({
          reason: this.openedOnce
            ? 'SSE stream interrupted; EventSource reconnects by itself with Last-Event-ID'
            : 'SSE could not connect; EventSource retries by itself',
          nativeRetryMs: TIMINGS.sseRetryMs,
          neverOpened: !this.openedOnce,
        });
        return;
      }
      // CLOSED: the server refused the stream (an error status): EventSource will not retry.
      this.closed = true;
      source.close();
      this.sink.dropped({ reason: 'SSE stream refused by the server (EventSource gave up)', neverOpened: !this.openedOnce });
    };
  }

  ping(id: string, ts: number): void {
    postPing(id, ts, this.sink);
  }

  close(): void {
    this.closed = true;
    this.source?.close();
    this.source = undefined;
  }
}
