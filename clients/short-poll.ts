import { performance } from 'node:perf_hooks';
import { PollingClient } from './polling.js';
import type { FeedClientOptions } from './types.js';
import { PROTOCOLS } from '../wire/protocols.js';
import { TIMINGS } from '../wire/timings.js';

/**
 * Short polling: `GET /poll?since=S&epoch=E` on a fixed schedule, one request every
 * `pollIntervalMs` counted from the first one (not from the last answer), so a slow answer
 * does not stretch the schedule. When an answer arrives after the next request was due, that
 * request goes out at once and the schedule continues from there; requests never overlap.
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
    if (!(Number.isFinite(this.intervalMs) && this.intervalMs > 0)) throw new RangeError(`pollIntervalMs must be > 0, got ${this.intervalMs}`);
  }

  protected override open(generation: number): void {
    this.due = performance.now();
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
    if (this.due < now) this.due = now;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (generation === this.generation) this.sendPoll(generation);
    }, this.due - now);
  }
}
