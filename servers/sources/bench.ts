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

  constructor(
    private readonly feed: Feed,
    private readonly rate: number,
    private readonly payload: number,
  ) {}

  start(): void {
    this.padding = 'x'.repeat(this.payload);
    this.feed.setSnapshot(() => ({ events: [], rate: this.rate, payload: this.payload }));
    if (this.rate === 0) return;
    this.startedAt = performance.now();
    this.published = 0;
    this.tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) * this.rate) / 1000);
    for (; this.published < due; this.published++) this.feed.publish(this.encoder);
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
