import type { TransportSink } from './types.js';
import { parseMessage, utf8Length } from './types.js';

/**
 * What the transports over the browser's own connection objects (`WebSocket`, `EventSource`)
 * share: whether the connection was ever up and whether it is closed for good, and what their
 * `open` and message events do with that.
 */
export abstract class NativeTransport {
  protected openedOnce = false;
  /** Closed for good (by the owner, or given up): later events are ignored. */
  protected closed = false;

  constructor(protected readonly sink: TransportSink) {}

  /** The `open` event: the connection is up. */
  protected onOpen(): void {
    if (this.closed) return;
    this.openedOnce = true;
    this.sink.opened();
  }

  /** A text message: one JSON feed message, counted at its UTF-8 size. */
  protected onText(text: string): void {
    if (this.closed) return;
    const message = parseMessage(text, this.sink);
    if (message !== undefined) this.sink.message(message, utf8Length(text));
  }
}
