import { PROTOCOLS } from '../../../../wire/protocols.js';
import { TIMINGS } from '../../../../wire/timings.js';
import { postPing } from './http-ping.js';
import { PollLoop } from './poll-loop.js';
import type { BrowserTransport, Cursor, TransportSink } from './types.js';

export const SHORT_POLL_INTERVALS_MS = [250, 1000, 2000, 5000] as const;

/**
 * The feed by short polling with `fetch`: `GET /poll?since=S&epoch=E` answered at once (often
 * with `events: []`), asked again every `intervalMs`.
 */
export class ShortPollTransport implements BrowserTransport {
  readonly protocol = 'short-poll' as const;
  private readonly loop: PollLoop;

  constructor(
    private readonly sink: TransportSink,
    intervalMs: number = TIMINGS.shortPollIntervalMs,
  ) {
    this.loop = new PollLoop(sink, PROTOCOLS['short-poll'].path, {}, intervalMs);
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
