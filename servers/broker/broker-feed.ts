import {
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
import { feedState, NEW_EPOCH, runScript } from './scripts.js';
import { StreamWriter, type ResyncNeed } from './stream-writer.js';

export type { ResyncNeed };

export interface BrokerFeedOptions {
  readonly historySize: number;
  readonly keys: BrokerKeys;
  /** Written beside each batch so the broker can refuse a publisher that lost the lock. */
  readonly instanceId: string;
  /** Epoch for a feed the broker does not have yet; never reused once this instance had one. */
  readonly preferredEpoch?: string | undefined;
}

/** Longest wait for the local copy to reach a seq the stream already has. */
const REACH_WAIT_MS = 1000;
const EMPTY_SNAPSHOT = '{"events":[]}';

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
 * instance holding the publisher lock publishes (through its {@link StreamWriter}), and its
 * updates reach its own clients through the stream like everyone else's.
 */
export class BrokerFeed implements Feed {
  epoch = '';
  readonly historySize: number;
  /** Set by whoever learns the local copy may be stale; the stream reader acts on it. */
  resyncNeeded: ResyncNeed = 'check';
  /** Times this copy had to reset its subscribers. */
  resets = 0;
  /** Writes this instance's updates while it holds the publisher lock. */
  readonly writer: StreamWriter;

  private ring: Array<FeedMessage | undefined>;
  private headSeq = 0;
  private firstSeq = 1;
  private taken = 0;
  private snapshotJson = EMPTY_SNAPSHOT;
  private cachedSnapshot: { head: number; message: FeedMessage } | undefined;
  private readonly listeners = new Set<BatchListener>();
  private headWaiters: HeadWaiter[] = [];

  constructor(
    private readonly commands: RedisConnection,
    private readonly health: BrokerHealth,
    private readonly options: BrokerFeedOptions,
  ) {
    this.historySize = options.historySize;
    this.ring = new Array<FeedMessage | undefined>(options.historySize);
    this.writer = new StreamWriter(commands, health, options, this);
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
      const [, last] = await feedState(this.commands, this.options.keys);
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

  publish(data: unknown): void {
    this.writer.publish(data);
  }

  setSnapshot(provider: () => unknown): void {
    this.writer.setSnapshot(provider);
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
    let [epoch, last] = await feedState(this.commands, this.options.keys);
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
    const tail = parseEntries(
      await this.commands.sendCommand(['XREVRANGE', keys.stream, '+', '-', 'COUNT', String(this.historySize)]),
    ).reverse();
    this.epoch = epoch;
    this.writer.feedReloaded();
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
    for (const waiter of this.headWaiters.filter((w) => w.epoch !== epoch || w.seq <= this.headSeq))
      this.settle(waiter, waiter.epoch === epoch);
    if (reason !== undefined) {
      this.resets += 1;
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

  private async newEpoch(expected: string, candidate: string): Promise<string> {
    const { keys } = this.options;
    return String(await runScript(this.commands, NEW_EPOCH, [keys.epoch, keys.stream, keys.snapshot, keys.control], [expected, candidate]));
  }

  private stateMessage(type: 'initial' | 'reset', reason?: ResetReason): FeedMessage {
    return stateMessage(type, this.headSeq, this.epoch, this.snapshotJson, reason);
  }
}
