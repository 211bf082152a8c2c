import { performance } from 'node:perf_hooks';
import { PollingClient } from './polling.js';
import type { FeedClientOptions } from './types.js';
import { PROTOCOLS } from '../wire/protocols.js';
import { TIMINGS } from '../wire/timings.js';

/**
 * Short polling: `GET /poll?since=S&epoch=E` on a fixed schedule, one request every
 * `pollIntervalMs` (not counted from the last answer), so a slow answer does not stretch the
 * schedule. When an answer arrives after the next request was due, that request goes out at
 * once (slots missed meanwhile are skipped) and the schedule keeps its phase; requests never
 * overlap.
 *
 * The first request of a connection goes out at once (connecting, or recovering after a
 * drop); the second comes a random share of the interval after it, and the schedule runs on
 * from there. Clients started together thus poll at phases spread evenly over the interval,
 * instead of in step with each other and with the feed's publish times: in step, their
 * latency would depend on where the publishes fall in the interval, not be ≈ interval ÷ 2.
 *
 * A foreign endpoint that answers one message per poll (nchan's interval-poll) is drained when
 * `foreign.drain` is set: after an answer that carried a message the next poll goes out at
 * once, and the schedule resumes after the first empty answer.
 */
export class ShortPollClient extends PollingClient {
  readonly protocol = 'short-poll' as const;
  private readonly intervalMs: number;
  private readonly drain: boolean;
  /** performance.now() at which the next request is due. */
  private due = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly schedule = (generation: number): void => this.scheduleNext(generation);

  constructor(options: FeedClientOptions) {
    super(options);
    this.retryStaleSocket = true;
    this.intervalMs = options.pollIntervalMs ?? TIMINGS.shortPollIntervalMs;
    this.drain = options.foreign?.drain ?? false;
    if (!(Number.isFinite(this.intervalMs) && this.intervalMs > 0))
      throw new RangeError(`pollIntervalMs must be > 0, got ${this.intervalMs}`);
  }

  protected override open(generation: number): void {
    // scheduleNext adds one interval: the second poll is due a random share of it from now.
    this.due = performance.now() - this.intervalMs * (1 - Math.random());
    this.sendPoll(generation);
  }

  protected override teardown(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    super.teardown();
  }

  private sendPoll(generation: number): void {
    this.poll(generation, PROTOCOLS['short-poll'].path, '', this.requestTimeoutMs, this.schedule);
  }

  private scheduleNext(generation: number): void {
    if (this.drain && this.lastAnswerCarried) {
      this.sendPoll(generation);
      return;
    }
    this.due += this.intervalMs;
    const now = performance.now();
    // Late (a slow answer, a busy event loop): poll at once, for the latest slot already due,
    // and stay on this client's own grid after it. Restarting the grid from `now` would move
    // every client delayed by the same stall to the same phase.
    if (this.due < now) this.due += Math.floor((now - this.due) / this.intervalMs) * this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (generation === this.generation) this.sendPoll(generation);
    }, this.due - now);
  }
}
