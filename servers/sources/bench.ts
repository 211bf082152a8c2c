import type { Feed } from '../feed.js';

/** Shortest timer step; faster rates publish several updates per step. */
const MIN_STEP_MS = 5;

/**
 * Bench mode: updates at a fixed rate, each message padded to exactly `payload` bytes (when
 * that is larger than the envelope). The schedule is drift-corrected: the number published is
 * always `rate × elapsed`, whatever the timers did.
 */
export class BenchSource {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private published = 0;
  private padding = '';
  private finish: (() => void) | undefined;
  /** Settles once `count` updates are published, or the source is stopped first; at once without a count. */
  readonly done: Promise<void>;

  /** `count`: publish exactly this many updates, then stop (a bench window counted in updates). */
  constructor(
    private readonly feed: Feed,
    private readonly rate: number,
    private readonly payload: number,
    private readonly count?: number,
  ) {
    this.done = count === undefined ? Promise.resolve() : new Promise((resolve) => (this.finish = resolve));
  }

  start(): void {
    this.padding = 'x'.repeat(this.payload);
    this.feed.setSnapshot(() => ({ events: [], rate: this.rate, payload: this.payload }));
    if (this.rate === 0 || this.count === 0) {
      this.finish?.();
      return;
    }
    this.startedAt = performance.now();
    this.published = 0;
    this.tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.finish?.();
  }

  private tick(): void {
    const scheduled = Math.floor(((performance.now() - this.startedAt) * this.rate) / 1000);
    const due = this.count === undefined ? scheduled : Math.min(this.count, scheduled);
    for (; this.published < due; this.published++) this.feed.publish(this.encoder);
    if (this.published === this.count) {
      this.stop();
      return;
    }
    const stepMs = Math.max(MIN_STEP_MS, 1000 / this.rate);
    const nextDueAt = this.startedAt + ((this.published + 1) * 1000) / this.rate;
    const wait = Math.max(0, Math.min(stepMs, nextDueAt - performance.now()));
    this.timer = setTimeout(() => this.tick(), wait);
  }

  /** `{"pad":"xxx…"}` sized so the whole message is `payload` bytes. */
  private readonly encoder = (envelopeBytes: number): string => {
    const padBytes = Math.max(0, this.payload - envelopeBytes - '{"pad":""}'.length);
    return `{"pad":"${this.padding.slice(0, padBytes)}"}`;
  };
}
