import type { Feed } from '../feed.js';

/**
 * What a transport keeps for each feed it serves (the main feed, each chat room), made on
 * first use and kept as long as the server: rooms are bounded in number and never removed.
 */
export class PerFeed<T> {
  private readonly states = new Map<Feed, T>();

  constructor(private readonly make: (feed: Feed) => T) {}

  get(feed: Feed): T {
    let state = this.states.get(feed);
    if (state === undefined) {
      state = this.make(feed);
      this.states.set(feed, state);
    }
    return state;
  }

  values(): IterableIterator<T> {
    return this.states.values();
  }
}
