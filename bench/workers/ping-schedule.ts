import { FeedClientError, PingTimeoutError } from '../../clients/base.js';
import type { FeedClient } from '../../clients/types.js';
import { nowMicros } from '../../wire/clock.js';
import type { Histogram } from '../report/histogram.js';

/** What became of the PINGs of a window: `scheduled = answered + refused + unanswered + cut`. */
export interface PingTally {
  /** Slots of the schedule that came due in the window, one per client per interval. */
  scheduled: number;
  answered: number;
  /** The server answered with an error (an HTTP status other than 200). */
  refused: number;
  /** Sent on an open connection, no answer: within the client's PING timeout, or by the end of the drain. */
  unanswered: number;
  /** Not sent (the client was not connected at its slot), or lost with its connection before the answer. */
  cut: number;
}

export function emptyPingTally(): PingTally {
  return { scheduled: 0, answered: 0, refused: 0, unanswered: 0, cut: 0 };
}

interface InFlight {
  readonly client: FeedClient;
}

/**
 * Scenario `ping`, open loop: each client has its own schedule (staggered evenly over the
 * interval) and sends a PING at every slot whether or not its previous PING has been
 * answered. Each answered PING is recorded once, counted from the time it was *scheduled*
 * for, so a stall — of the server, the network or the generator itself — shows in full: the
 * PINGs due during it wait and each records its real delay (a ramp down from the stall's
 * length). Nothing is synthesised, so the histogram holds exactly one value per answered PING,
 * and `scheduled` says how many there should be. `raw` holds the round trips as sent.
 */
export class PingSchedule {
  readonly tally = emptyPingTally();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<InFlight>();
  private running = false;
  private closed = false;
  private settled: (() => void) | undefined;

  constructor(
    private readonly intervalMicros: number,
    /** Scheduled time → answer (µs): the coordinated-omission-free figure. */
    private readonly fromSchedule: Histogram,
    /** Sent → answer (µs). */
    private readonly raw: Histogram,
    /** A PING the server refused: its code (`WL_…`, else `HTTP <status>`) and message. */
    private readonly onRefused: (code: string, message: string) => void,
    /** Any other failed PING (not for the hot path: PINGs are a few per client per second). */
    private readonly onFailed: (message: string) => void,
  ) {}

  /** Starts every client's schedule now; the first slots are spread over one interval. */
  start(clients: readonly FeedClient[]): void {
    this.running = true;
    const start = nowMicros();
    clients.forEach((client, index) => {
      let due = start + Math.round((index / clients.length) * this.intervalMicros);
      const fire = (timer: NodeJS.Timeout | undefined): void => {
        if (timer !== undefined) this.timers.delete(timer);
        if (!this.running) return;
        // Every slot that has come is its own PING, even several at once after the
        // generator itself stalled: open loop, so the stall shows in their latency.
        // (Timers keep whole milliseconds: a slot less than 1 ms ahead is due.)
        const now = nowMicros();
        while (due <= now + 1000) {
          this.send(client, Math.min(due, now));
          due += this.intervalMicros;
        }
        const next: NodeJS.Timeout = setTimeout(() => fire(next), (due - now) / 1000);
        this.timers.add(next);
      };
      const first: NodeJS.Timeout = setTimeout(() => fire(first), (due - start) / 1000);
      this.timers.add(first);
    });
  }

  /** No slot comes due any more; the PINGs already sent may still be answered (see {@link settle}). */
  stopScheduling(): void {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Waits at most `waitMs` for the PINGs in flight; those still without an answer then are
   * counted (unanswered on an open connection, else cut) and later answers are ignored.
   */
  async settle(waitMs: number): Promise<void> {
    this.stopScheduling();
    if (this.inFlight.size > 0 && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.settled = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      this.settled = undefined;
    }
    this.closed = true;
    for (const ping of this.inFlight) {
      if (ping.client.state === 'open') this.tally.unanswered += 1;
      else this.tally.cut += 1;
    }
    this.inFlight.clear();
  }

  private send(client: FeedClient, scheduledAt: number): void {
    this.tally.scheduled += 1;
    if (client.state !== 'open') {
      this.tally.cut += 1;
      return;
    }
    const ping: InFlight = { client };
    this.inFlight.add(ping);
    client.ping().then(
      (result) => {
        if (!this.done(ping)) return;
        this.tally.answered += 1;
        this.fromSchedule.recordValue(Math.max(0, result.receivedAt - scheduledAt));
        this.raw.recordValue(Math.max(0, result.rttMicros));
      },
      (error: unknown) => {
        if (!this.done(ping)) return;
        if (error instanceof FeedClientError && error.status !== undefined) {
          this.tally.refused += 1;
          this.onRefused(error.code ?? `HTTP ${error.status}`, error.message);
        } else if (error instanceof PingTimeoutError) {
          this.tally.unanswered += 1;
          this.onFailed(`ping: ${error.message}`);
        } else {
          this.tally.cut += 1;
          this.onFailed(`ping: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    );
  }

  /** True when `ping` still counts (it was in flight and the tally is open). */
  private done(ping: InFlight): boolean {
    if (this.closed || !this.inFlight.delete(ping)) return false;
    if (this.inFlight.size === 0) this.settled?.();
    return true;
  }
}
