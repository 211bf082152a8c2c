import { PROTOCOLS } from '../../../../wire/protocols.js';
import { TIMINGS } from '../../../../wire/timings.js';
import { PollLoop } from './poll-loop.js';
import { PollTransport } from './poll-transport.js';
import type { BrowserTransport, TransportSink } from './types.js';

export const SHORT_POLL_INTERVALS_MS = [250, 1000, 2000, 5000] as const;

/**
 * The feed by short polling with `fetch`: `GET /poll?since=S&epoch=E` answered at once (often
 * with `events: []`), asked again every `intervalMs`.
 */
export class ShortPollTransport extends PollTransport implements BrowserTransport {
  readonly protocol = 'short-poll' as const;

  constructor(sink: TransportSink, intervalMs: number = TIMINGS.shortPollIntervalMs) {
    super(sink, new PollLoop(sink, PROTOCOLS['short-poll'].path, {}, intervalMs));
  }
}
