import { randomBytes } from 'node:crypto';
import { nowMicros } from '../wire/clock.js';

/** One message of the feed, encoded once and shared by every transport and every client. */
export interface FeedMessage {
  readonly seq: number;
  readonly ts: number;
  readonly type: 'initial' | 'update' | 'reset';
  /** The message as sent: one JSON object, `seq` and `ts` first. */
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
  /**
   * Transport framings of this message (a WebSocket frame, an SSE block), each built by the
   * first transport that needs it and then reused for every client. See {@link framed}.
   */
  readonly frames: Map<string, Buffer>;
}

export type ResetReason = 'too-old' | 'epoch';

/** Where a client wants to continue from; `undefined` since means "from a snapshot". */
export interface Cursor {
  readonly since?: number;
  readonly epoch?: string;
}

export type ReadResult =
  | { readonly kind: 'initial'; readonly message: FeedMessage }
  | { readonly kind: 'events'; readonly events: readonly FeedMessage[] }
  | { readonly kind: 'reset'; readonly reason: ResetReason; readonly message: FeedMessage }
  | { readonly kind: 'ahead'; readonly head: number };

export type BatchListener = (batch: readonly FeedMessage[]) => void;

/** Builds an update's `data` JSON; told the size of the envelope around it so it can pad. */
export type DataEncoder = (envelopeBytes: number) => string;

export interface FeedOptions {
  /** How many past updates are kept for resume. */
  readonly historySize: number;
  /** Fixed epoch id (tests); a random one otherwise. */
  readonly epoch?: string;
}

/**
 * The event feed: sequence-numbered updates, a bounded history ring for resume, and a
 * snapshot for new subscribers. Transports only use this interface.
 *
 * Listeners get the updates published in one event-loop turn as a single batch, so a
 * transport can frame them once and write once per client.
 */
export class Feed {
  readonly epoch: string;
  readonly historySize: number;
  private readonly ring: Array<FeedMessage | undefined>;
  private headSeq = 0;
  private published = 0;
  private pending: FeedMessage[] = [];
  private flushScheduled = false;
  private readonly listeners = new Set<BatchListener>();
  private snapshotData: () => unknown = () => ({ events: [] });
  private cachedSnapshot: { head: number; message: FeedMessage } | undefined;

  constructor(options: FeedOptions) {
    this.historySize = options.historySize;
    this.epoch = options.epoch ?? randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, '0');
    this.ring = new Array<FeedMessage | undefined>(options.historySize);
  }

  /** The last published seq; 0 before the first update. */
  get head(): number {
    return this.headSeq;
  }

  /** The oldest seq still in the ring (head + 1 when the ring is empty). */
  get oldest(): number {
    return Math.max(1, this.headSeq - this.historySize + 1);
  }

  /** Updates published since the feed was created. */
  get publishedCount(): number {
    return this.published;
  }

  /** What `initial` and `reset` carry as `data`. */
  setSnapshot(provider: () => unknown): void {
    this.snapshotData = provider;
    this.cachedSnapshot = undefined;
  }

  /** Publishes one update. `data` is a value to serialise or an encoder of its own JSON. */
  publish(data: unknown): FeedMessage {
    const seq = this.headSeq + 1;
    const ts = nowMicros();
    const prefix = `{"seq":${seq},"ts":${ts},"type":"update","data":`;
    const dataJson = typeof data === 'function' ? (data as DataEncoder)(prefix.length + 1) : JSON.stringify(data);
    const message = makeMessage(seq, ts, 'update', `${prefix}${dataJson}}`);
    this.ring[seq % this.historySize] = message;
    this.headSeq = seq;
    this.published += 1;
    this.cachedSnapshot = undefined;
    this.pending.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    return message;
  }

  /** Calls `listener` with each turn's batch of updates; returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The `initial` message for the current head, built once per head. */
  snapshot(): FeedMessage {
    if (this.cachedSnapshot?.head !== this.headSeq) {
      this.cachedSnapshot = { head: this.headSeq, message: this.snapshotMessage('initial') };
    }
    return this.cachedSnapshot.message;
  }

  /**
   * What a client resuming from `cursor` must receive before live updates: a snapshot, the
   * missed updates (at most `limit`), a reset, or `ahead` when the cursor is past the head.
   */
  read(cursor: Cursor, limit = Number.POSITIVE_INFINITY): ReadResult {
    if (cursor.epoch !== undefined && cursor.epoch !== this.epoch) {
      return { kind: 'reset', reason: 'epoch', message: this.snapshotMessage('reset', 'epoch') };
    }
    if (cursor.since === undefined) return { kind: 'initial', message: this.snapshot() };
    if (cursor.since > this.headSeq) return { kind: 'ahead', head: this.headSeq };
    if (cursor.since < this.oldest - 1) {
      return { kind: 'reset', reason: 'too-old', message: this.snapshotMessage('reset', 'too-old') };
    }
    return { kind: 'events', events: this.after(cursor.since, limit) };
  }

  /** Updates with seq > since, oldest first, at most `limit`. `since` must be within the ring. */
  after(since: number, limit = Number.POSITIVE_INFINITY): FeedMessage[] {
    const last = Math.min(this.headSeq, since + limit);
    const events: FeedMessage[] = [];
    for (let seq = Math.max(since + 1, this.oldest); seq <= last; seq++) {
      const message = this.ring[seq % this.historySize];
      if (message !== undefined) events.push(message);
    }
    return events;
  }

  private snapshotMessage(type: 'initial' | 'reset', reason?: ResetReason): FeedMessage {
    const ts = nowMicros();
    const reasonJson = reason === undefined ? '' : `,"reason":"${reason}"`;
    const json = `{"seq":${this.headSeq},"ts":${ts},"type":"${type}","epoch":"${this.epoch}"${reasonJson},"data":${JSON.stringify(this.snapshotData())}}`;
    return makeMessage(this.headSeq, ts, type, json);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const listener of this.listeners) listener(batch);
  }
}

function makeMessage(seq: number, ts: number, type: FeedMessage['type'], json: string): FeedMessage {
  return { seq, ts, type, json, bytes: Buffer.byteLength(json), frames: new Map() };
}

/** The framing of `message` for one transport, built on first use and shared afterwards. */
export function framed(message: FeedMessage, key: string, build: (message: FeedMessage) => Buffer): Buffer {
  let frame = message.frames.get(key);
  if (frame === undefined) {
    frame = build(message);
    message.frames.set(key, frame);
  }
  return frame;
}
