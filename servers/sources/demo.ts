import type { Feed } from '../feed.js';

/** One of the five live events of the demo (the event tracker of the tutorials). */
export interface DemoEvent {
  id: number;
  name: string;
  score: { home: number; away: number };
  minute: number;
}

const FULL_TIME = 90;
/** Share of updates that are a goal; the others only move the clock. */
const GOAL_CHANCE = 0.4;

const MATCHES = ['Falcons vs Wolves', 'Herons vs Foxes', 'Otters vs Lynxes', 'Ravens vs Bears', 'Comets vs Tides'];

/**
 * Demo mode: five matches whose clocks and scores change at random, each on its own timer
 * firing every `low`–`high` ms, so a person watching the page sees live data at once.
 */
export class DemoSource {
  private readonly events: DemoEvent[] = MATCHES.map((name, index) => ({ id: index + 1, name, score: { home: 0, away: 0 }, minute: 0 }));
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly feed: Feed,
    private readonly intervalMs: readonly [number, number],
    private readonly random: () => number = Math.random,
  ) {}

  snapshot(): { events: DemoEvent[] } {
    return { events: this.events };
  }

  start(): void {
    this.feed.setSnapshot(() => this.snapshot());
    for (const event of this.events) this.schedule(event);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(event: DemoEvent): void {
    const [low, high] = this.intervalMs;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.step(event);
        this.schedule(event);
      },
      low + this.random() * (high - low),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * One update of a match: the clock moves on and sometimes a side scores. A match that has
   * reached 90 minutes kicks off again at 0–0, so the demo stays lively however long it runs.
   */
  private step(event: DemoEvent): void {
    if (event.minute >= FULL_TIME) {
      event.score = { home: 0, away: 0 };
      event.minute = 0;
    } else {
      event.minute = Math.min(FULL_TIME, event.minute + 1 + Math.floor(this.random() * 9));
      const roll = this.random();
      if (roll < GOAL_CHANCE / 2) event.score.home += 1;
      else if (roll < GOAL_CHANCE) event.score.away += 1;
    }
    this.feed.publish(event);
  }
}
