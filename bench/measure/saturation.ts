import { BENCH_DEFAULTS } from '../defaults.js';
import { formatMetric, formatMillis } from '../report/format.js';

/** The limits of the saturation rule (docs/metrics-harness.md, *Generator*). */
export interface SaturationLimits {
  /** Share of the time a worker thread may wait on a CPU run queue (0–1). */
  readonly runQueueWait: number;
  /** Event-loop utilisation of a worker thread in one second (0–1). */
  readonly utilisation: number;
  /** Event-loop delay p99 of a worker thread in one second (ms). */
  readonly loopDelayMs: number;
  /** Seconds over a per-second limit before it counts: one spike is not saturation. */
  readonly sustainedSeconds: number;
  /** Share of all the machine's CPU time busy over the window; judged only where run-queue waits cannot be read. */
  readonly machineBusy: number;
}

export const DEFAULT_SATURATION_LIMITS: SaturationLimits = Object.freeze({
  runQueueWait: BENCH_DEFAULTS.saturationRunQueueWait,
  utilisation: BENCH_DEFAULTS.saturationUtilisation,
  loopDelayMs: BENCH_DEFAULTS.saturationLoopDelayMs,
  sustainedSeconds: BENCH_DEFAULTS.saturationSustainedSeconds,
  machineBusy: BENCH_DEFAULTS.saturationMachineBusy,
});

/** One figure of one worker thread, second by second over the window. */
class PerSecond {
  seconds = 0;
  over = 0;
  worst = 0;

  add(value: number, limit: number): void {
    this.seconds += 1;
    if (value > limit) this.over += 1;
    if (value > this.worst) this.worst = value;
  }

  /** Over the limit in `sustained` seconds, or in every second of a shorter window. */
  sustained(sustained: number): boolean {
    return this.over > 0 && this.over >= Math.min(sustained, this.seconds);
  }
}

/** What the judge says about a window. */
export interface SaturationVerdict {
  /** Why the figures may understate the protocol, with the figures; empty when they are sound. */
  reasons: string[];
  /** The worst worker thread's run-queue wait, of the window; null where it cannot be read. */
  runQueueWaitPercent: number | null;
}

/**
 * Judges whether the load generator was the bottleneck of a window, from what each worker
 * thread went through: waiting for a CPU (run-queue wait, read from Linux's schedstat: a
 * starved generator is late to read its sockets, so latency reads high and throughput low),
 * a busy event loop, and event-loop delay. The per-second figures count only when sustained:
 * a single GC pause or a one-second hiccup does not mark a run.
 */
export class SaturationJudge {
  private readonly waits = new Map<number, PerSecond>();
  private readonly utilisation = new Map<number, PerSecond>();
  private readonly loopDelay = new Map<number, PerSecond>();

  constructor(private readonly limits: SaturationLimits = DEFAULT_SATURATION_LIMITS) {}

  /** One second of worker `thread`'s event loop: utilisation 0–1 and delay p99 (ms). */
  addLoopSecond(thread: number, utilisation: number, loopDelayP99Ms: number): void {
    entry(this.utilisation, thread).add(utilisation, this.limits.utilisation);
    entry(this.loopDelay, thread).add(loopDelayP99Ms, this.limits.loopDelayMs);
  }

  /** One second of worker `thread`'s run-queue wait, as a share of that second (0–1). */
  addWaitSecond(thread: number, waitShare: number): void {
    entry(this.waits, thread).add(waitShare, this.limits.runQueueWait);
  }

  /**
   * `windowWaitShares`: each worker thread's run-queue wait over the whole window (0–1), or
   * null where it cannot be read; `machineBusy`: the machine's busy share over the window.
   */
  verdict(windowWaitShares: readonly number[] | null, machineBusy: number | null): SaturationVerdict {
    const reasons: string[] = [];
    const { limits } = this;
    const limitPercent = percent(limits.runQueueWait);
    let runQueueWaitPercent: number | null = null;
    const starved = new Set<number>();
    if (windowWaitShares !== null && windowWaitShares.length > 0) {
      runQueueWaitPercent = Math.round(Math.max(...windowWaitShares) * 1000) / 10;
      windowWaitShares.forEach((share, thread) => {
        if (share <= limits.runQueueWait) return;
        starved.add(thread);
        reasons.push(`worker thread ${thread + 1} waited for a CPU (run queue) ${percent(share)} of the window (limit ${limitPercent})`);
      });
    }
    for (const [thread, waits] of this.waits) {
      // A starved stretch inside a long window, which the window's average can hide.
      if (!starved.has(thread) && waits.sustained(limits.sustainedSeconds)) {
        reasons.push(
          `worker thread ${thread + 1} waited for a CPU (run queue) over ${limitPercent} of the second in ${waits.over} of ${waits.seconds} s (worst ${percent(waits.worst)})`,
        );
      }
    }
    for (const [thread, busy] of this.utilisation) {
      if (busy.sustained(limits.sustainedSeconds)) {
        reasons.push(
          `worker thread ${thread + 1} was busy over ${percent(limits.utilisation)} of the second in ${busy.over} of ${busy.seconds} s (worst ${percent(busy.worst)})`,
        );
      }
    }
    for (const [thread, delay] of this.loopDelay) {
      if (delay.sustained(limits.sustainedSeconds)) {
        reasons.push(
          `worker thread ${thread + 1}'s event-loop delay p99 was over ${formatMillis(limits.loopDelayMs)} in ${delay.over} of ${delay.seconds} s (worst ${formatMillis(delay.worst)})`,
        );
      }
    }
    // Without run-queue figures, a machine near full is the best sign of a starved generator.
    if (runQueueWaitPercent === null && machineBusy !== null && machineBusy > limits.machineBusy) {
      reasons.push(
        `the machine's CPUs were ${percent(machineBusy)} busy over the window (limit ${percent(limits.machineBusy)}; server and generator share them)`,
      );
    }
    return { reasons, runQueueWaitPercent };
  }
}

function entry(map: Map<number, PerSecond>, thread: number): PerSecond {
  let value = map.get(thread);
  if (value === undefined) {
    value = new PerSecond();
    map.set(thread, value);
  }
  return value;
}

/** A share 0–1 as the table shows percentages: `41%`, `4.5%`. */
function percent(share: number): string {
  return formatMetric(share * 100, 'percent');
}
