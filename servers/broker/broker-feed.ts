import { nowMicros } from '../clock.js';
import {
  encodeUpdate,
  makeMessage,
  newEpochId,
  stateMessage,
  type BatchListener,
  type Cursor,
  type Feed,
  type FeedMessage,
  type ReadResult,
  type ResetReason,
} from '../feed.js';
import type { RedisConnection } from './connection.js';
import { parseEntries, pairs, seqOfId, type StreamEntry } from './entries.js';
import type { BrokerHealth } from './health.js';
import type { BrokerKeys } from './keys.js';
import { FEED_STATE, NEW_EPOCH, PUBLISH, runScript } from './scripts.js';

export interface BrokerFeedOptions {
  readonly historySize: number;
  readonly keys: BrokerKeys;
  /** Written beside each batch so the broker can refuse a publisher that lost the lock. */
  readonly instanceId: string;
  /** Epoch for a feed the broker does not have yet; never reused once this instance had one. */
  readonly preferredEpoch?: string | undefined;
}

/**
 * What the stream reader must do before reading on: nothing, check the local copy against the
 * broker (after a reconnect or an epoch notice), or reload it because updates were trimmed
 * before this instance read them.
 */
export type ResyncNeed = 'none' | 'check' | 'reload';

/** Longest wait for the local copy to reach a seq the stream already has. */
const REACH_WAIT_MS = 1000;
/** Publish batches in flight at most; beyond that publishes are refused rather than queued. */
const MAX_BATCHES_IN_FLIGHT = 64;
/** Pause between attempts to learn the stream's last seq after a failed publish. */
const SEQ_RETRY_MS = 100;
const EMPTY_SNAPSHOT = '{"events":[]}';

interface PendingUpdate {
  readonly seq: number;
  readonly ts: number;
  readonly json: string;
  /** The snapshot after this update, or '' when it is the same as the last one written. */
  readonly snapshot: string;
}

interface HeadWaiter {
  readonly seq: number;
  readonly epoch: string;
  readonly resolve: (reached: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The feed kept in a Redis Stream. Every instance holds a local copy of the stream's tail (a
 * ring of `historySize` updates, the same bound as the embedded feed) fed by one stream reader,
 * and answers reads from it, so transports see exactly the embedded feed's behaviour. Only the
 * instance holding the publisher lock publishes, and its updates reach its own clients through
 * the stream like everyone else's.
 */
export class BrokerFeed implements Feed {
  epoch = '';
  readonly historySize: number;
  /** Set by whoever learns the local copy may be stale; the stream reader acts on it. */
  resyncNeeded: ResyncNeed = 'check';
  readonly counters = { published: 0, refused: 0, conflicts: 0, resets: 0 };
  /** Called when a publish is refused because another instance holds the lock. */
  onLockLost: () => void = () => {};

  private ring: Array<FeedMessage | undefined>;
  private headSeq = 0;
  private firstSeq = 1;
  private taken = 0;
  private snapshotJson = EMPTY_SNAPSHOT;
  private cachedSnapshot: { head: number; message: FeedMessage } | undefined;
  private readonly listeners = new Set<BatchListener>();
  private headWaiters: HeadWaiter[] = [];

  private publisher = false;
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
    private readonly options: BrokerFeedOptions,
  ) {
    this.historySize = options.historySize;
    this.ring = new Array<FeedMessage | undefined>(options.historySize);
  }

  get head(): number {
    return this.headSeq;
  }

  get oldest(): number {
    return Math.max(this.firstSeq, this.headSeq - this.historySize + 1);
  }

  get publishedCount(): number {
    return this.taken;
  }

  /** True while this instance holds the lock and knows where the stream ends. */
  get publishing(): boolean {
    return this.publisher && this.seqKnown;
  }

  /** The last seq this instance wrote to the stream as publisher. */
  get lastWritten(): number {
    return this.lastWrittenSeq;
  }

  setSnapshot(provider: () => unknown): void {
    this.snapshotProvider = provider;
  }

  subscribe(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read(cursor: Cursor, limit = Number.POSITIVE_INFINITY): ReadResult {
    if (cursor.epoch !== undefined && cursor.epoch !== this.epoch) {
      return { kind: 'reset', reason: 'epoch', message: this.stateMessage('reset', 'epoch') };
    }
    if (cursor.since === undefined) return { kind: 'initial', message: this.snapshot() };
    // A resume point another instance has served and this copy has not read yet (the request
    // checked it with `reaches`): nothing to send now, the reader brings the rest.
    if (cursor.since > this.headSeq) return { kind: 'events', events: [] };
    if (cursor.since < this.oldest - 1) {
      return { kind: 'reset', reason: 'too-old', message: this.stateMessage('reset', 'too-old') };
    }
    const last = Math.min(this.headSeq, cursor.since + limit);
    const events: FeedMessage[] = [];
    for (let seq = Math.max(cursor.since + 1, this.oldest); seq <= last; seq++) {
      const message = this.ring[seq % this.historySize];
      if (message !== undefined) events.push(message);
    }
    return { kind: 'events', events };
  }

  async reaches(seq: number): Promise<boolean> {
    if (seq <= this.headSeq) return true;
    // Unable to ask: the cursor may well come from an instance that is still in touch, and
    // the copy catches up when the broker is back.
    if (!this.health.up) return true;
    try {
      const [, last] = await this.feedState();
      if (seq > last) return false;
      await this.waitForHead(seq, this.epoch, REACH_WAIT_MS);
      return true;
    } catch {
      return true;
    }
  }

  /** The `initial` message for the current head, built once per head. */
  snapshot(): FeedMessage {
    if (this.cachedSnapshot?.head !== this.headSeq) {
      this.cachedSnapshot = { head: this.headSeq, message: this.stateMessage('initial') };
    }
    return this.cachedSnapshot.message;
  }

  /** Resolves true once the local copy holds `seq` of `epoch`, false after `timeoutMs` or if the epoch moved on. */
  waitForHead(seq: number, epoch: string, timeoutMs: number): Promise<boolean> {
    if (epoch !== this.epoch) return Promise.resolve(false);
    if (seq <= this.headSeq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: HeadWaiter = {
        seq,
        epoch,
        resolve,
        timer: setTimeout(() => {
          this.headWaiters = this.headWaiters.filter((other) => other !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.headWaiters.push(waiter);
    });
  }

  // ---- publishing (the lock holder only) ----

  publish(data: unknown): void {
    if (!this.publisher || !this.seqKnown || !this.health.up || this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT) {
      this.counters.refused += 1;
      return;
    }
    const message = encodeUpdate(this.lastAssigned + 1, nowMicros(), data);
    this.lastAssigned = message.seq;
    const snapshot = JSON.stringify(this.snapshotProvider());
    this.outbox.push({ seq: message.seq, ts: message.ts, json: message.json, snapshot: snapshot === this.lastSentSnapshot ? '' : snapshot });
    this.lastSentSnapshot = snapshot;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** This instance now holds the lock: learn where the stream ends, then accept publishes. */
  startPublishing(): Promise<void> {
    this.publisher = true;
    this.seqKnown = false;
    return this.syncSeq();
  }

  stopPublishing(): void {
    this.publisher = false;
    this.seqKnown = false;
    this.outbox = [];
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
    const args = [this.epoch, this.options.instanceId, String(this.historySize), String(batch.length)];
    for (const update of batch) args.push(String(update.seq), String(update.ts), update.json, update.snapshot);
    const { keys } = this.options;
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
        this.publishFailed(error, batch.length);
      },
    );
  }

  private publishFailed(error: unknown, count: number): void {
    this.counters.refused += count;
    // The batch may or may not be in the stream (a lost reply): the next seq is read again.
    this.seqKnown = false;
    this.lastSentSnapshot = undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('WLLOCK')) {
      this.stopPublishing();
      this.onLockLost();
      return;
    }
    if (message.startsWith('WLEPOCH')) this.resyncNeeded = this.resyncNeeded === 'none' ? 'check' : this.resyncNeeded;
    else if (message.startsWith('WLSEQ')) this.counters.conflicts += 1;
    else this.health.markDown(error);
    void this.syncSeq();
  }

  /** Reads the stream's last seq (once in-flight writes have settled) and continues after it. */
  private syncSeq(): Promise<void> {
    this.seqSync ??= (async () => {
      await this.lastWrite;
      while (this.publisher && !this.seqKnown) {
        try {
          const [epoch, last] = await this.feedState();
          if (epoch === this.epoch && this.resyncNeeded === 'none') {
            this.lastAssigned = last;
            this.lastWrittenSeq = last;
            this.seqKnown = true;
            break;
          }
          // The local copy is of another run: the reader resyncs it first.
          this.resyncNeeded = this.resyncNeeded === 'none' ? 'check' : this.resyncNeeded;
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

  // ---- the local copy (fed by the stream reader) ----

  /** Takes updates read from the stream, in order; flags a resync on a gap or another epoch. */
  ingest(entries: readonly StreamEntry[]): void {
    const batch: FeedMessage[] = [];
    for (const entry of entries) {
      if (entry.fields.e !== this.epoch) {
        this.resyncNeeded = 'check';
        break;
      }
      const seq = seqOfId(entry.id);
      if (!(seq > this.headSeq)) continue;
      if (seq !== this.headSeq + 1) {
        // Trimmed before this instance read it: the copy cannot continue without a gap.
        this.resyncNeeded = 'reload';
        break;
      }
      batch.push(this.append(entry, seq));
    }
    if (batch.length > 0) this.deliver(batch);
  }

  /**
   * Brings the local copy in line with the broker: takes the broker's epoch (starting one if it
   * has none), and starts a new run if the broker lost updates this copy holds (a restart from
   * an older copy of its data). Clients learn of anything that does not simply continue by a
   * `reset`. Throws if the broker cannot be reached.
   */
  async resync(): Promise<void> {
    const need = this.resyncNeeded;
    let [epoch, last] = await this.feedState();
    if (epoch === '') {
      const candidate = this.epoch === '' ? (this.options.preferredEpoch ?? newEpochId()) : newEpochId();
      epoch = await this.newEpoch('', candidate);
      last = 0;
    }
    if (epoch !== this.epoch) {
      await this.reload(epoch, this.epoch === '' ? undefined : 'epoch');
    } else if (need === 'reload') {
      await this.reload(epoch, 'too-old');
    } else if (last < this.headSeq || !(await this.headMatches())) {
      await this.reload(await this.newEpoch(epoch, newEpochId()), 'epoch');
    }
    this.resyncNeeded = 'none';
  }

  /** Loads the stream's tail as the local copy; with a reason, tells every subscriber by a `reset`. */
  private async reload(epoch: string, reason: ResetReason | undefined): Promise<void> {
    const { keys } = this.options;
    // The snapshot key first: any later change is in an entry of the tail read next.
    const snapshot = pairs(await this.commands.sendCommand(['HGETALL', keys.snapshot]));
    const tail = parseEntries(await this.commands.sendCommand(['XREVRANGE', keys.stream, '+', '-', 'COUNT', String(this.historySize)])).reverse();
    this.epoch = epoch;
    if (this.publisher) {
      // A publisher continues after the reloaded stream's end, never after its own count.
      this.seqKnown = false;
      this.lastSentSnapshot = undefined;
      void this.syncSeq();
    }
    this.ring = new Array<FeedMessage | undefined>(this.historySize);
    this.snapshotJson = snapshot.json ?? EMPTY_SNAPSHOT;
    this.headSeq = 0;
    this.firstSeq = 1;
    for (const entry of tail) {
      const seq = seqOfId(entry.id);
      if (entry.fields.e !== epoch || !(seq > this.headSeq)) continue;
      if (this.headSeq === 0) this.firstSeq = seq;
      this.append(entry, seq);
    }
    if (this.headSeq === 0) this.firstSeq = 1;
    this.cachedSnapshot = undefined;
    for (const waiter of this.headWaiters.filter((w) => w.epoch !== epoch || w.seq <= this.headSeq)) this.settle(waiter, waiter.epoch === epoch);
    if (reason !== undefined) {
      this.counters.resets += 1;
      const reset = this.stateMessage('reset', reason);
      for (const listener of this.listeners) listener([reset]);
    }
  }

  private append(entry: StreamEntry, seq: number): FeedMessage {
    const message = makeMessage(seq, Number(entry.fields.t), 'update', entry.fields.m ?? '{}');
    this.ring[seq % this.historySize] = message;
    this.headSeq = seq;
    this.taken += 1;
    if (entry.fields.s !== undefined) this.snapshotJson = entry.fields.s;
    return message;
  }

  private deliver(batch: readonly FeedMessage[]): void {
    this.cachedSnapshot = undefined;
    for (const listener of this.listeners) listener(batch);
    if (this.headWaiters.length === 0) return;
    for (const waiter of this.headWaiters.filter((w) => w.seq <= this.headSeq)) this.settle(waiter, true);
  }

  private settle(waiter: HeadWaiter, reached: boolean): void {
    clearTimeout(waiter.timer);
    this.headWaiters = this.headWaiters.filter((other) => other !== waiter);
    waiter.resolve(reached);
  }

  /** Whether the broker's entry at the local head is the one this copy holds. */
  private async headMatches(): Promise<boolean> {
    if (this.headSeq === 0) return true;
    const id = `${this.headSeq}-0`;
    const [entry] = parseEntries(await this.commands.sendCommand(['XRANGE', this.options.keys.stream, id, id]));
    // Trimmed away: nothing to compare; the reader notices a gap if there is one.
    if (entry === undefined) return true;
    return Number(entry.fields.t) === this.ring[this.headSeq % this.historySize]?.ts;
  }

  private async feedState(): Promise<[string, number]> {
    const { keys } = this.options;
    const [epoch, last] = (await runScript(this.commands, FEED_STATE, [keys.stream, keys.epoch], [])) as [string, string];
    return [epoch, Number(last)];
  }

  private async newEpoch(expected: string, candidate: string): Promise<string> {
    const { keys } = this.options;
    return String(await runScript(this.commands, NEW_EPOCH, [keys.epoch, keys.stream, keys.snapshot, keys.control], [expected, candidate]));
  }

  private stateMessage(type: 'initial' | 'reset', reason?: ResetReason): FeedMessage {
    return stateMessage(type, this.headSeq, this.epoch, this.snapshotJson, reason);
  }
}
