/**
 * The timings wirelab promises, in one place: the server, the Node clients, the harness and
 * the demo page all read them from here, so they cannot drift apart. Browser-safe.
 */

/** Reconnect delays: exponential backoff with jitter (see {@link backoffDelay}). */
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

export const TIMINGS = Object.freeze({
  /** How long the server holds a long poll that has nothing to answer yet. */
  longPollHoldMs: 25_000,
  /** Short polling: one request every this many ms. */
  shortPollIntervalMs: 1_000,
  /** The seeds' schedule: 1 s, 2 s, 4 s, 8 s, 16 s, 16 s …, each shortened by up to half at random. */
  backoff: Object.freeze({ initialDelayMs: 1_000, maxDelayMs: 16_000, multiplier: 2, jitter: 0.5 }) as BackoffSchedule,
  /** WebSocket ping-frame interval; a peer silent for one interval is cut (a dead peer is found within 30 s). */
  wsHeartbeatMs: 30_000,
  /** Longest silence on an SSE stream before a comment line keeps it open. */
  sseHeartbeatMs: 15_000,
  /** The `retry:` an SSE stream starts with: what EventSource waits before it reconnects by itself. */
  sseRetryMs: 1_000,
  /** Longest wait for a spawned feed server's ready line, at the start of a run and after a restart. */
  serverStartTimeoutMs: 20_000,
});

/**
 * The delay before reconnect attempt number `attempt` (0 for the first), given a random
 * number in [0, 1). Jitter only ever shortens a delay, so a crowd of clients dropped together
 * does not come back in lock-step and no delay exceeds the schedule: the first retry stays
 * within `initialDelayMs`. Pure: the same inputs always give the same delay.
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
