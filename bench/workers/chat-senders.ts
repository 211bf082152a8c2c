import type { FeedClient } from '../../clients/types.js';
import { nowMicros } from '../../wire/clock.js';

/** What became of the messages the senders' schedules had due: `scheduled = sent + notSent`. */
export interface ChatSendTally {
  scheduled: number;
  sent: number;
  notSent: number;
}

/**
 * Scenario `chat`'s senders, open loop: each sender has its own schedule, one message every
 * `1 / sendRate` s, the first slots staggered evenly over one interval, and sends at every slot
 * whether or not the previous message was answered (a POST waits behind the one before it on
 * its connection, as a page's `fetch` does; the waiting shows in the latency, since a message
 * carries the time it was handed over). A slot that comes while the sender is not connected,
 * or whose transport will not take it, is counted as not sent; nothing is retried or dropped
 * silently.
 */
export class ChatSenders {
  readonly tally: ChatSendTally = { scheduled: 0, sent: 0, notSent: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private readonly text: string;

  constructor(
    private readonly intervalMicros: number,
    textBytes: number,
    /** A send the transport refused at once (not open): for the run's error samples. */
    private readonly onNotSent: (message: string) => void,
  ) {
    this.text = 'x'.repeat(textBytes);
  }

  start(senders: readonly FeedClient[]): void {
    this.running = true;
    const start = nowMicros();
    senders.forEach((client, index) => {
      let due = start + Math.round((index / senders.length) * this.intervalMicros);
      const fire = (timer: NodeJS.Timeout | undefined): void => {
        if (timer !== undefined) this.timers.delete(timer);
        if (!this.running) return;
        // Every slot that has come is a message of its own, even several at once after a stall.
        const now = nowMicros();
        while (due <= now + 1000) {
          this.send(client);
          due += this.intervalMicros;
        }
        const next: NodeJS.Timeout = setTimeout(() => fire(next), (due - now) / 1000);
        this.timers.add(next);
      };
      const first: NodeJS.Timeout = setTimeout(() => fire(first), (due - start) / 1000);
      this.timers.add(first);
    });
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private send(client: FeedClient): void {
    this.tally.scheduled += 1;
    if (client.state !== 'open') {
      this.tally.notSent += 1;
      return;
    }
    try {
      client.chat(this.text);
      this.tally.sent += 1;
    } catch (error) {
      this.tally.notSent += 1;
      this.onNotSent(`chat: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
