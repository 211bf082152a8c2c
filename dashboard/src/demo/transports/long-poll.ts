import { PROTOCOLS } from '../../../../wire/protocols.js';
import { TIMINGS } from '../../../../wire/timings.js';
import { PollLoop } from './poll-loop.js';
import { PollTransport } from './poll-transport.js';
import type { BrowserTransport, TransportSink } from './types.js';

/**
 * The feed by long polling with `fetch`: `GET /long-poll?since=S&epoch=E&timeout=MS` is held
 * until an update after S exists, then answered; the next request goes out at once.
 */
export class LongPollTransport extends PollTransport implements BrowserTransport {
  readonly protocol = 'long-poll' as const;

  constructor(sink: TransportSink) {
    super(sink, new PollLoop(sink, PROTOCOLS['long-poll'].path, { timeout: TIMINGS.longPollHoldMs }, 0));
  }
}
