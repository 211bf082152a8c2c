/**
 * Reconnect delays: exponential backoff with jitter. By default 1 s, 2 s, 4 s, 8 s, 16 s,
 * 16 s … (the seeds' schedule), each shortened by a random fraction of at most `jitter`, so
 * a crowd of clients dropped together does not come back in lock-step, and no delay ever
 * exceeds the schedule (the first retry stays within 1 s).
 */

export interface BackoffSchedule {
  /** Delay before the first reconnect attempt. */
  readonly initialDelayMs: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
  /** Growth factor from one attempt to the next. */
  readonly multiplier: number;
  /** 0 … 1: each delay is the scheduled one minus up to this fraction of it, at random. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffSchedule = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 16_000,
  multiplier: 2,
  jitter: 0.5,
});

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

/**
 * The delay before reconnect attempt number `attempt` (0 for the first), given a random
 * number in [0, 1). Pure: the same inputs always give the same delay.
 *
 *     scheduled = min(maxDelayMs, initialDelayMs × multiplier^attempt)
 *     delay     = round(scheduled × (1 − jitter × random))
 */
export function backoffDelay(attempt: number, schedule: BackoffSchedule, random: number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const scheduled = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * Math.pow(schedule.multiplier, exponent));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(scheduled * (1 - schedule.jitter * r));
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
