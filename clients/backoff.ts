/**
 * Reconnect delays: exponential backoff with jitter, by the schedule and rule of
 * wire/timings.ts (1 s, 2 s, 4 s, 8 s, 16 s, 16 s …, each shortened by a random fraction of at
 * most `jitter`, so the first retry stays within 1 s). This file adds the checks of a
 * user-given schedule and the attempt counter.
 */
import { backoffDelay, TIMINGS, type BackoffSchedule } from '../wire/timings.js';

export { backoffDelay, type BackoffSchedule };

export const DEFAULT_BACKOFF: BackoffSchedule = TIMINGS.backoff;

/** Checks a schedule, filling in defaults; throws RangeError on a bad value. */
export function resolveBackoff(input: Partial<BackoffSchedule> = {}): BackoffSchedule {
  const schedule = {
    initialDelayMs: input.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
    maxDelayMs: input.maxDelayMs ?? Math.max(DEFAULT_BACKOFF.maxDelayMs, input.initialDelayMs ?? 0),
    multiplier: input.multiplier ?? DEFAULT_BACKOFF.multiplier,
    jitter: input.jitter ?? DEFAULT_BACKOFF.jitter,
  };
  if (!(Number.isFinite(schedule.initialDelayMs) && schedule.initialDelayMs >= 0)) {
    throw new RangeError(`reconnect.initialDelayMs must be a number >= 0, got ${schedule.initialDelayMs}`);
  }
  if (!(Number.isFinite(schedule.maxDelayMs) && schedule.maxDelayMs >= schedule.initialDelayMs)) {
    throw new RangeError(`reconnect.maxDelayMs must be >= initialDelayMs, got ${schedule.maxDelayMs}`);
  }
  if (!(Number.isFinite(schedule.multiplier) && schedule.multiplier >= 1)) {
    throw new RangeError(`reconnect.multiplier must be >= 1, got ${schedule.multiplier}`);
  }
  if (!(schedule.jitter >= 0 && schedule.jitter <= 1)) {
    throw new RangeError(`reconnect.jitter must be from 0 to 1, got ${schedule.jitter}`);
  }
  return Object.freeze(schedule);
}

/** The stateful side: counts attempts since the last successful connection. */
export class Backoff {
  private attempts = 0;

  constructor(
    readonly schedule: BackoffSchedule = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts scheduled since the last {@link reset}. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; advances the schedule. */
  next(): number {
    const delay = backoffDelay(this.attempts, this.schedule, this.random());
    this.attempts += 1;
    return delay;
  }

  /** Back to the initial delay: called when a connection delivers its first message. */
  reset(): void {
    this.attempts = 0;
  }
}
