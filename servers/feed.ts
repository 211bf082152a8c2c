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
 * The event feed as every transport and source sees it: sequence-numbered updates, a bounded
 * history for resume, and a snapshot for new subscribers. Transports use only this interface,
 * so the embedded feed ({@link EmbeddedFeed}) and the broker-backed one
 * (servers/broker/broker-feed.ts) are interchangeable.
 *
 * Listeners get the updates of one event-loop turn (embedded) or one broker read (broker) as a
 * single batch, so a transport can frame them once and write once per client. A batch whose
 * first message is a `reset` means the feed started over (a new epoch, or history lost): what
 * a client had before it no longer continues, and the reset must reach every subscriber.
 */
export interface Feed {
  /** The id of this feed run; a broker-backed feed changes it only when it had to start over. */
  readonly epoch: string;
  /** The last seq this feed can serve; 0 before the first update. */
  readonly head: number;
  /** The oldest seq still in the history (head + 1 when it is empty). */
  readonly oldest: number;
  readonly historySize: number;
  /** Updates this feed has taken in since it was created. */
  readonly publishedCount: number;
  /** Publishes one update. `data` is a value to serialise or an encoder of its own JSON. */
  publish(data: unknown): void;
  /** What `initial` and `reset` carry as `data`. */
  setSnapshot(provider: () => unknown): void;
  /** Calls `listener` with each batch of updates; returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void;
  /**
   * What a client resuming from `cursor` must receive before live updates: a snapshot, the
   * missed updates (at most `limit`), a reset, or `ahead` when the cursor is past the head.
   */
  read(cursor: Cursor, limit?: number): ReadResult;
  /**
   * Whether update `seq` exists in this feed run. Only asked for a seq beyond {@link head}: a
   * broker-backed feed whose local copy lags the stream asks the broker.
   */
  reaches(seq: number): boolean | Promise<boolean>;
}

/**
 * The embedded feed: everything in this process. Updates published in one event-loop turn
 * reach listeners as one batch on the next tick.
 */
export class EmbeddedFeed implements Feed {
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
    this.epoch = options.epoch ?? newEpochId();
    this.ring = new Array<FeedMessage | undefined>(options.historySize);
  }

  get head(): number {
    return this.headSeq;
  }

  get oldest(): number {
    return Math.max(1, this.headSeq - this.historySize + 1);
  }

  get publishedCount(): number {
    return this.published;
  }

  setSnapshot(provider: () => unknown): void {
    this.snapshotData = provider;
    this.cachedSnapshot = undefined;
  }

  publish(data: unknown): FeedMessage {
    const message = encodeUpdate(this.headSeq + 1, nowMicros(), data);
    this.ring[message.seq % this.historySize] = message;
    this.headSeq = message.seq;
    this.published += 1;
    this.cachedSnapshot = undefined;
    this.pending.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    return message;
  }

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

  reaches(seq: number): boolean {
    return seq <= this.headSeq;
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
    return stateMessage(type, this.headSeq, this.epoch, JSON.stringify(this.snapshotData()), reason);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const listener of this.listeners) listener(batch);
  }
}

/** A random epoch id: 8 or more characters of [a-z0-9]. */
export function newEpochId(): string {
  return randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, '0');
}

/** The `update` message `seq` published at `ts`; `data` is a value or a {@link DataEncoder}. */
export function encodeUpdate(seq: number, ts: number, data: unknown): FeedMessage {
  const prefix = `{"seq":${seq},"ts":${ts},"type":"update","data":`;
  const dataJson = typeof data === 'function' ? (data as DataEncoder)(prefix.length + 1) : JSON.stringify(data);
  return makeMessage(seq, ts, 'update', `${prefix}${dataJson}}`);
}

/** An `initial` or `reset` message at `seq` carrying the snapshot `dataJson`. */
export function stateMessage(type: 'initial' | 'reset', seq: number, epoch: string, dataJson: string, reason?: ResetReason): FeedMessage {
  const ts = nowMicros();
  const reasonJson = reason === undefined ? '' : `,"reason":"${reason}"`;
  return makeMessage(seq, ts, type, `{"seq":${seq},"ts":${ts},"type":"${type}","epoch":"${epoch}"${reasonJson},"data":${dataJson}}`);
}

export function makeMessage(seq: number, ts: number, type: FeedMessage['type'], json: string): FeedMessage {
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
