import { PollingClient } from './polling.js';
import type { FeedClientOptions } from './types.js';
import { PROTOCOLS } from '../wire/protocols.js';
import { TIMINGS } from '../wire/timings.js';

/**
 * Long polling: `GET /long-poll?since=S&epoch=E&timeout=T`, held by the server until an
 * update exists or T passes, re-requested at once after every answer. A foreign endpoint is
 * asked at its own URL with its cursor (no `timeout`: the server decides how long it holds;
 * it must answer within `longPollTimeoutMs` + `requestTimeoutMs`, or the poll counts as lost).
 */
export class LongPollClient extends PollingClient {
  readonly protocol = 'long-poll' as const;
  private readonly holdMs: number;
  private readonly again = (generation: number): void => this.next(generation);

  constructor(options: FeedClientOptions) {
    super(options);
    this.holdMs = options.longPollTimeoutMs ?? TIMINGS.longPollHoldMs;
    this.opensOnConnect = options.foreign !== undefined;
    if (!Number.isInteger(this.holdMs) || this.holdMs < 0)
      throw new RangeError(`longPollTimeoutMs must be an integer >= 0, got ${this.holdMs}`);
  }

  protected override open(generation: number): void {
    this.next(generation);
  }

  private next(generation: number): void {
    // The server holds the request up to holdMs; silence beyond that plus the usual
    // request timeout means the connection is dead.
    this.poll(generation, PROTOCOLS['long-poll'].path, `timeout=${this.holdMs}`, this.holdMs + this.requestTimeoutMs, this.again);
  }
}
