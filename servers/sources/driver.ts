import type { FeedMode } from '../config.js';
import type { Feed } from '../feed.js';
import { BenchSource } from './bench.js';
import { DemoSource } from './demo.js';

export interface FeedSettings {
  readonly mode: FeedMode;
  readonly rate: number;
  readonly payload: number;
  /** Bench mode: publish exactly this many updates, then stop (the harness's window, counted in updates). */
  readonly count?: number;
}

/**
 * What steers the one feed: the in-process {@link FeedDriver}, or with a broker the settings
 * shared by every instance (servers/broker/broker-steering.ts).
 */
export interface FeedSteering {
  readonly settings: FeedSettings;
  /** Applies `settings`; with a broker, settles once the publisher applied them and this instance has every update published before. */
  apply(settings: FeedSettings): void | Promise<void>;
  /** Resolves true once a counted bench feed has published its count (at once when none runs), false after `timeoutMs`. */
  finished(timeoutMs: number): Promise<boolean>;
}

/** Owns whichever source is publishing into the feed and switches between them. */
export class FeedDriver implements FeedSteering {
  private source: { start(): void; stop(): void; readonly done?: Promise<void> } | undefined;
  private current: FeedSettings;

  constructor(
    private readonly feed: Feed,
    initial: FeedSettings,
    private readonly demoIntervalMs: readonly [number, number],
  ) {
    this.current = initial;
  }

  get settings(): FeedSettings {
    return this.current;
  }

  apply(settings: FeedSettings): void {
    this.source?.stop();
    this.current = settings;
    if (settings.mode === 'demo') this.source = new DemoSource(this.feed, this.demoIntervalMs);
    else if (settings.mode === 'bench') this.source = new BenchSource(this.feed, settings.rate, settings.payload, settings.count);
    else this.source = undefined;
    this.source?.start();
  }

  stop(): void {
    this.source?.stop();
    this.source = undefined;
  }

  async finished(timeoutMs: number): Promise<boolean> {
    const done = this.source?.done;
    if (done === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([done.then(() => true as const), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
