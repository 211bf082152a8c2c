import type { ControlClient } from '../target/control-client.js';
import type { StormPoint } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

/** One `/stats` reading: the protocol's accepted counter, when it arrived (µs, monotonic). */
interface Sample {
  at: number;
  accepted: number;
  pid: number;
}

export interface StormFigures {
  /** Highest server accepts per second over one sampling interval. */
  attemptsPerSecondPeak: number;
  /** Server accepts per second over the second before `baselineBefore`, or null without samples there. */
  acceptedPerSecondBaseline: number | null;
  /** Highest client reconnect attempts in one bin, per second. */
  clientAttemptsPerSecondPeak: number;
  points: StormPoint[];
}

/**
 * The reconnect storm, from both ends: the server's `accepted` counter for the protocol,
 * read from `/stats` every `intervalMs` (the next read is sent `intervalMs` after the last
 * answer, so reads never pile up on a busy server), and the clients' own reconnect attempts,
 * which the workers count in bins of `binMs`.
 */
export class StormRecorder {
  private readonly samples: Sample[] = [];
  private readonly bins = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly protocol: ProtocolName,
    private readonly control: Pick<ControlClient, 'stats'>,
    private readonly intervalMs: number,
    private readonly binMs: number,
    private readonly now: () => number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.read();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Client attempts as flat [bin, count] pairs (bin = µs time ÷ binMs ÷ 1000). */
  addAttempts(pairs: readonly number[]): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const bin = pairs[i]!;
      this.bins.set(bin, (this.bins.get(bin) ?? 0) + pairs[i + 1]!);
    }
  }

  /**
   * The figures over [from, to] (µs). `baselineBefore`: the first drop, whose preceding second
   * gives the server's ordinary accept rate (polling makes a request per poll anyway).
   * `toRunMs` turns a µs time into ms since the run started (the time series' `t`).
   */
  figures(from: number, to: number, baselineBefore: number | undefined, toRunMs: (micros: number) => number): StormFigures {
    const binMicros = this.binMs * 1000;
    const attemptsBetween = (start: number, end: number): number => {
      let count = 0;
      for (const [bin, n] of this.bins) {
        const at = bin * binMicros;
        if (at >= start && at < end) count += n;
      }
      return count;
    };
    let clientPeak = 0;
    for (const [bin, n] of this.bins) {
      const at = bin * binMicros;
      if (at >= from && at <= to) clientPeak = Math.max(clientPeak, Math.round((n * 1000) / this.binMs));
    }
    const points: StormPoint[] = [];
    let serverPeak = 0;
    let baselineAccepted = 0;
    let baselineMicros = 0;
    for (let i = 1; i < this.samples.length; i++) {
      const before = this.samples[i - 1]!;
      const after = this.samples[i]!;
      if (after.at < from || before.at > to) continue;
      const seconds = (after.at - before.at) / 1e6;
      if (seconds <= 0) continue;
      // A restarted server counts from zero again.
      const accepted = after.pid !== before.pid || after.accepted < before.accepted ? after.accepted : after.accepted - before.accepted;
      const perSecond = Math.round(accepted / seconds);
      serverPeak = Math.max(serverPeak, perSecond);
      if (baselineBefore !== undefined && after.at <= baselineBefore && after.at > baselineBefore - 1e6) {
        baselineAccepted += accepted;
        baselineMicros += after.at - before.at;
      }
      points.push({
        t: Math.round(toRunMs(after.at)),
        acceptedPerSecond: perSecond,
        attemptsPerSecond: Math.round(attemptsBetween(before.at, after.at) / seconds),
      });
    }
    return {
      attemptsPerSecondPeak: serverPeak,
      acceptedPerSecondBaseline: baselineMicros > 0 ? Math.round(baselineAccepted / (baselineMicros / 1e6)) : null,
      clientAttemptsPerSecondPeak: clientPeak,
      points,
    };
  }

  private read(): void {
    if (!this.running) return;
    this.inFlight = this.control
      .stats()
      .then((stats) => {
        this.samples.push({ at: this.now(), accepted: stats.transports[this.protocol]?.accepted ?? 0, pid: stats.process.pid });
      })
      // The server may be down (a restart): the next read tries again.
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
        if (this.running) this.timer = setTimeout(() => this.read(), this.intervalMs);
      });
  }
}
