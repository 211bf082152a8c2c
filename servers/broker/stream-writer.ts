import { nowMicros } from '../../wire/clock.js';
import { encodeUpdate } from '../feed.js';
import type { RedisConnection } from './connection.js';
import type { BrokerHealth } from './health.js';
import type { BrokerKeys } from './keys.js';
import { feedState, PUBLISH, runScript } from './scripts.js';

/** Publish batches in flight at most; beyond that publishes are refused rather than queued. */
const MAX_BATCHES_IN_FLIGHT = 64;
/** Pause between attempts to learn the stream's last seq after a failed publish. */
const SEQ_RETRY_MS = 100;

interface PendingUpdate {
  readonly seq: number;
  readonly ts: number;
  readonly json: string;
  /** The snapshot after this update, or '' when it is the same as the last one written. */
  readonly snapshot: string;
}

export interface StreamWriterOptions {
  readonly keys: BrokerKeys;
  /** Sent with each batch so the broker can refuse a writer that lost the lock. */
  readonly instanceId: string;
  /** The stream is trimmed to about this many entries. */
  readonly historySize: number;
}

/**
 * What the stream reader must do before reading on: nothing, check the local copy against the
 * broker (after a reconnect or an epoch notice), or reload it because updates were trimmed
 * before this instance read them. Declared here, beside the writer that asks for it, so the
 * writer and the feed do not import each other.
 */
export type ResyncNeed = 'none' | 'check' | 'reload';

/** What the writer needs of the local copy: its epoch, and a way to ask for a resync. */
export interface WriterFeed {
  readonly epoch: string;
  resyncNeeded: ResyncNeed;
}

/**
 * The publishing side of a broker-backed feed, active only on the lock holder. Updates of one
 * event-loop turn go to Redis as one batch through the publish script, which refuses the batch
 * unless this instance holds the lock, the feed is in its epoch, and the batch continues the
 * stream. After any failure the next seq is read from the stream again, so ids never skip and
 * an update that may or may not have been written is never written twice.
 */
export class StreamWriter {
  readonly counters = { published: 0, refused: 0, conflicts: 0 };
  /** Called when a batch is refused because another instance holds the lock. */
  onLockLost: () => void = () => {};

  private active = false;
  private seqKnown = false;
  private seqSync: Promise<void> | undefined;
  private lastAssigned = 0;
  private lastWrittenSeq = 0;
  private outbox: PendingUpdate[] = [];
  private flushScheduled = false;
  private batchesInFlight = 0;
  private lastWrite: Promise<void> = Promise.resolve();
  private lastSentSnapshot: string | undefined;
  private snapshotProvider: () => unknown = () => ({ events: [] });

  constructor(
    private readonly commands: RedisConnection,
    private readonly health: BrokerHealth,
    private readonly options: StreamWriterOptions,
    private readonly feed: WriterFeed,
  ) {}

  /** True while this instance holds the lock and knows where the stream ends. */
  get publishing(): boolean {
    return this.active && this.seqKnown;
  }

  /** The last seq this instance wrote to the stream. */
  get lastWritten(): number {
    return this.lastWrittenSeq;
  }

  setSnapshot(provider: () => unknown): void {
    this.snapshotProvider = provider;
  }

  publish(data: unknown): void {
    if (!this.publishing || !this.health.up || this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT) {
      this.counters.refused += 1;
      return;
    }
    const message = encodeUpdate(this.lastAssigned + 1, nowMicros(), data);
    this.lastAssigned = message.seq;
    const snapshot = JSON.stringify(this.snapshotProvider());
    this.outbox.push({
      seq: message.seq,
      ts: message.ts,
      json: message.json,
      snapshot: snapshot === this.lastSentSnapshot ? '' : snapshot,
    });
    this.lastSentSnapshot = snapshot;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** This instance now holds the lock: learn where the stream ends, then accept publishes. */
  start(): Promise<void> {
    this.active = true;
    this.seqKnown = false;
    return this.syncSeq();
  }

  stop(): void {
    this.active = false;
    this.seqKnown = false;
    this.outbox = [];
  }

  /** The local copy was reloaded (another epoch, or history lost): continue after the stream's end, never after our own count. */
  feedReloaded(): void {
    if (!this.active) return;
    this.seqKnown = false;
    this.lastSentSnapshot = undefined;
    void this.syncSeq();
  }

  /** Resolves once every update published so far has been written or refused. */
  async flushed(): Promise<void> {
    this.flush();
    await this.lastWrite;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    if (batch.length === 0) return;
    this.outbox = [];
    const { keys, instanceId, historySize } = this.options;
    const args = [this.feed.epoch, instanceId, String(historySize), String(batch.length)];
    for (const update of batch) args.push(String(update.seq), String(update.ts), update.json, update.snapshot);
    this.batchesInFlight += 1;
    // Replies come back in order on one connection, so the last write settles after the others.
    this.lastWrite = runScript(this.commands, PUBLISH, [keys.stream, keys.epoch, keys.publisher, keys.snapshot], args).then(
      () => {
        this.batchesInFlight -= 1;
        this.counters.published += batch.length;
        this.lastWrittenSeq = batch[batch.length - 1]!.seq;
      },
      (error: unknown) => {
        this.batchesInFlight -= 1;
        this.failed(error, batch.length);
      },
    );
  }

  private failed(error: unknown, count: number): void {
    this.counters.refused += count;
    // The batch may or may not be in the stream (a lost reply): the next seq is read again.
    this.seqKnown = false;
    this.lastSentSnapshot = undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('WLLOCK')) {
      this.stop();
      this.onLockLost();
      return;
    }
    if (message.startsWith('WLEPOCH')) {
      if (this.feed.resyncNeeded === 'none') this.feed.resyncNeeded = 'check';
    } else if (message.startsWith('WLSEQ')) {
      this.counters.conflicts += 1;
    } else {
      this.health.markDown(error);
    }
    void this.syncSeq();
  }

  /** Reads the stream's last seq (once in-flight writes have settled) and continues after it. */
  private syncSeq(): Promise<void> {
    this.seqSync ??= (async () => {
      await this.lastWrite;
      while (this.active && !this.seqKnown) {
        try {
          const [epoch, last] = await feedState(this.commands, this.options.keys);
          if (epoch === this.feed.epoch && this.feed.resyncNeeded === 'none') {
            this.lastAssigned = last;
            this.lastWrittenSeq = last;
            this.seqKnown = true;
            break;
          }
          // The local copy is of another run: the reader resyncs it first.
          if (this.feed.resyncNeeded === 'none') this.feed.resyncNeeded = 'check';
        } catch {
          // Broker unreachable: try again shortly.
        }
        await new Promise((resolve) => setTimeout(resolve, SEQ_RETRY_MS));
      }
    })().finally(() => {
      this.seqSync = undefined;
    });
    return this.seqSync;
  }
}
