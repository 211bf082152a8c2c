import { PROTOCOLS } from '../../../../wire/protocols.js';
import { TIMINGS } from '../../../../wire/timings.js';
import { postPing } from './http-ping.js';
import { PollLoop } from './poll-loop.js';
import type { BrowserTransport, Cursor, TransportSink } from './types.js';

/**
 * The feed by long polling with `fetch`: `GET /long-poll?since=S&epoch=E&timeout=MS` is held
 * until an update after S exists, then answered; the next request goes out at once.
 */
export class LongPollTransport implements BrowserTransport {
  readonly protocol = 'long-poll' as const;
  private readonly loop: PollLoop;

  constructor(private readonly sink: TransportSink) {
    this.loop = new PollLoop(sink, PROTOCOLS['long-poll'].path, { timeout: TIMINGS.longPollHoldMs }, 0);
  }

  open(cursor: Cursor): void {
    this.loop.start(cursor);
  }

  ping(id: string, ts: number): void {
    postPing(id, ts, this.sink);
  }

  close(): void {
    this.loop.stop();
  }
}
