/** Gaps remembered per (receiver, sender) stream; a stream with more unfilled gaps forgets the oldest. */
const MAX_GAPS = 1024;

/** One sender's stream as one receiver sees it. */
interface Stream {
  /** Highest `n` received. */
  top: number;
  /** `n`s below `top` not received yet (a late arrival fills one: out of order). Null while there are none, the usual case. */
  gaps: Set<number> | null;
}

/** What a receiver's streams have counted, summed over the receivers of a worker. */
export interface ChatStreamCounts {
  /** Distinct messages received, by sender id. */
  readonly deliveredBy: Map<string, number>;
  duplicated: number;
  outOfOrder: number;
}

/**
 * Every sender's stream as one receiver sees it, checked by the sender's own sequence number
 * `n` (1, 2, 3 …): a message below the highest seen fills a gap (out of order) or was seen
 * before (duplicated). In order, the usual case, costs one map lookup and two integer writes.
 */
export class ChatStreams {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly counts: ChatStreamCounts) {}

  /** Records message `n` of sender `from`; returns true when it is new (delivered). */
  record(from: string, n: number): boolean {
    let stream = this.streams.get(from);
    if (stream === undefined) {
      // Counting starts at the sender's first message (senders send only in the window).
      stream = { top: 0, gaps: null };
      this.streams.set(from, stream);
    }
    if (n > stream.top) {
      if (n > stream.top + 1) this.openGaps(stream, stream.top + 1, n);
      stream.top = n;
      this.delivered(from);
      return true;
    }
    if (stream.gaps?.delete(n) === true) {
      this.counts.outOfOrder += 1;
      this.delivered(from);
      return true;
    }
    this.counts.duplicated += 1;
    return false;
  }

  private delivered(from: string): void {
    const { deliveredBy } = this.counts;
    deliveredBy.set(from, (deliveredBy.get(from) ?? 0) + 1);
  }

  private openGaps(stream: Stream, from: number, to: number): void {
    const gaps = (stream.gaps ??= new Set());
    // A refused message leaves a gap that is never filled: bounded, so a sender refused all along costs no more.
    for (let n = Math.max(from, to - MAX_GAPS); n < to; n++) gaps.add(n);
    while (gaps.size > MAX_GAPS) gaps.delete(gaps.values().next().value as number);
  }
}
