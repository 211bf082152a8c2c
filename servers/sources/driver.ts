import type { FeedMode } from '../config.js';
import type { Feed } from '../feed.js';
import { BenchSource } from './bench.js';
import { DemoSource } from './demo.js';

export interface FeedSettings {
  readonly mode: FeedMode;
  readonly rate: number;
  readonly payload: number;
}

/** Owns whichever source is publishing into the feed and switches between them. */
export class FeedDriver {
  private source: { start(): void; stop(): void } | undefined;
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
    else if (settings.mode === 'bench') this.source = new BenchSource(this.feed, settings.rate, settings.payload);
    else this.source = undefined;
    this.source?.start();
  }

  stop(): void {
    this.source?.stop();
    this.source = undefined;
  }
}
