import type { Cursor, Feed, FeedMessage } from '../feed.js';
import type { TransportCounters } from '../stats.js';

/**
 * One subscriber of a push transport (a WebSocket or an SSE stream), seen only as a byte
 * sink. The transport owns the connection; the fan-out decides what to write and when.
 */
export interface PushSink {
  /** Hands bytes to the connection; false when it is backed up and `onceDrained` applies. */
  write(chunk: Buffer): boolean;
  /** Bytes handed to the connection but not yet to the kernel. */
  pending(): number;
  /** Calls `callback` once when the connection has taken all it was handed (after `write` said false). */
  onceDrained(callback: () => void): void;
  /** Ends the connection because its reader fell too far behind; what it was handed before still goes first. */
  cutOff(): void;
  /** False once the connection is closing; nothing is written after that. */
  isOpen(): boolean;
}

interface Held {
  readonly chunk: Buffer;
  readonly messages: number;
}

interface Subscriber {
  readonly sink: PushSink;
  /** Seq of the last message written or held: live batches skip what this already covers. */
  lastSent: number;
  /** Caught up with the head and receiving live batches. */
  live: boolean;
  /** True from a `write` that returned false until the connection drains. */
  backedUp: boolean;
  /** Output waiting for the connection to drain, kept here so that a cut-off can discard it. */
  held: Held[];
  heldBytes: number;
}

/** Updates sent per write while a resuming client catches up from the history ring. */
const CATCH_UP_PAGE = 512;

/**
 * Fan-out for the push transports. Each batch of updates (one event-loop turn) is framed
 * once, concatenated once, and written to every live subscriber in one write, so the cost
 * per client is one `write` per turn whatever the rate.
 *
 * A connection that is backed up is handed nothing more until it drains: later batches wait
 * in the subscriber's own queue. So when a reader falls more than `maxBufferedBytes` behind,
 * almost all of its backlog is still here and is discarded, and the transport's goodbye (a
 * close frame) follows at most one batch behind what the reader has not read yet.
 *
 * A subscriber that resumes from an older seq is caught up page by page from the history
 * ring, one page at a time as its connection drains, so a large backlog neither trips the
 * slow-consumer bound nor sits in memory. If its resume point falls out of the ring while it
 * catches up it gets a `reset`, never a silent gap.
 */
export class PushFanout {
  private readonly subscribers = new Set<Subscriber>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: Feed,
    private readonly frame: (message: FeedMessage) => Buffer,
    private readonly counters: TransportCounters,
    private readonly maxBufferedBytes: number,
  ) {
    this.unsubscribe = feed.subscribe((batch) => this.broadcast(batch));
  }

  /**
   * Starts feeding `sink` from `cursor`: a snapshot, a reset, or every update after
   * `cursor.since`. Returns the function that unsubscribes it.
   */
  add(sink: PushSink, cursor: Cursor): () => void {
    const subscriber: Subscriber = { sink, lastSent: this.feed.head, live: false, backedUp: false, held: [], heldBytes: 0 };
    this.subscribers.add(subscriber);
    const start = this.feed.read(cursor, 0);
    if (start.kind === 'initial' || start.kind === 'reset') this.send(subscriber, [start.message]);
    else if (start.kind === 'events') subscriber.lastSent = cursor.since ?? this.feed.head;
    this.catchUp(subscriber);
    return () => this.forget(subscriber);
  }

  close(): void {
    this.unsubscribe();
    for (const subscriber of this.subscribers) this.forget(subscriber);
  }

  private forget(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    subscriber.held = [];
    subscriber.heldBytes = 0;
  }

  private broadcast(batch: readonly FeedMessage[]): void {
    if (batch.length === 0 || this.subscribers.size === 0) return;
    if (batch[0]!.type === 'reset') {
      // The feed started over: whatever each subscriber had been sent no longer continues.
      for (const subscriber of this.subscribers) this.send(subscriber, batch);
      return;
    }
    const first = batch[0]!.seq;
    let whole: Buffer | undefined;
    for (const subscriber of this.subscribers) {
      if (!subscriber.live) continue;
      if (subscriber.lastSent < first) {
        whole ??= batch.length === 1 ? this.frame(batch[0]!) : Buffer.concat(batch.map(this.frame));
        this.write(subscriber, whole, batch.length, batch[batch.length - 1]!.seq);
      } else {
        // Joined in this turn: its start already covered part of the batch.
        const rest = batch.filter((message) => message.seq > subscriber.lastSent);
        if (rest.length > 0) this.send(subscriber, rest);
      }
    }
  }

  private send(subscriber: Subscriber, messages: readonly FeedMessage[]): void {
    const chunk = messages.length === 1 ? this.frame(messages[0]!) : Buffer.concat(messages.map(this.frame));
    this.write(subscriber, chunk, messages.length, messages[messages.length - 1]!.seq);
  }

  private write(subscriber: Subscriber, chunk: Buffer, messages: number, lastSeq: number): void {
    const { sink } = subscriber;
    if (!sink.isOpen()) return;
    // Judged on what is still unread from earlier writes, so one large batch never cuts off a
    // reader that keeps up; memory per client stays below the bound plus one batch.
    if (sink.pending() + subscriber.heldBytes > this.maxBufferedBytes) {
      this.counters.slowConsumersDropped += 1;
      this.forget(subscriber);
      sink.cutOff();
      return;
    }
    subscriber.lastSent = lastSeq;
    if (subscriber.backedUp) {
      subscriber.held.push({ chunk, messages });
      subscriber.heldBytes += chunk.length;
    } else {
      this.hand(subscriber, chunk, messages);
    }
  }

  /** Writes to the connection; once it is backed up, waits for it to drain before the next write. */
  private hand(subscriber: Subscriber, chunk: Buffer, messages: number): void {
    this.counters.messagesSent += messages;
    if (subscriber.sink.write(chunk)) return;
    subscriber.backedUp = true;
    subscriber.sink.onceDrained(() => this.drained(subscriber));
  }

  private drained(subscriber: Subscriber): void {
    subscriber.backedUp = false;
    if (!this.subscribers.has(subscriber) || !subscriber.sink.isOpen()) return;
    const { held } = subscriber;
    let taken = 0;
    while (!subscriber.backedUp && taken < held.length && this.subscribers.has(subscriber)) {
      const next = held[taken++]!;
      subscriber.heldBytes -= next.chunk.length;
      this.hand(subscriber, next.chunk, next.messages);
    }
    // One splice per drain rather than a shift per chunk.
    held.splice(0, taken);
    if (!subscriber.backedUp && !subscriber.live) this.catchUp(subscriber);
  }

  private catchUp(subscriber: Subscriber): void {
    const { sink } = subscriber;
    // A backed-up connection resumes its catch-up from `drained`.
    while (this.subscribers.has(subscriber) && sink.isOpen() && !subscriber.backedUp) {
      if (subscriber.lastSent >= this.feed.head) {
        subscriber.live = true;
        return;
      }
      const answer = this.feed.read({ since: subscriber.lastSent, epoch: this.feed.epoch }, CATCH_UP_PAGE);
      if (answer.kind === 'reset') this.send(subscriber, [answer.message]);
      else if (answer.kind === 'events' && answer.events.length > 0) this.send(subscriber, answer.events);
      else {
        subscriber.live = true;
        return;
      }
    }
  }
}
