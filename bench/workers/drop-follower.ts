import { DeliveryTracker } from './delivery-tracker.js';
import { createHistogram, encodeHistogram } from '../report/histogram.js';
import type { WorkerReconnect } from './worker-protocol.js';

/**
 * Follows one worker's clients through the drops of a window (scenario `reconnect`,
 * `--net-reset-every`): per client and drop, a *client-drop* record of when the client lost
 * its connection, when it received a feed message again, and which updates it was away for.
 * It also keeps each client's delivery bitset per feed epoch, so a restarted server (whose
 * seqs start again from 0) is counted exactly. Definitions: docs/metrics-harness.md.
 *
 * The hot path (`update`) is a few comparisons per update; the accounting runs once, in
 * `settle`, after the window.
 */

/** One client's delivery in one feed epoch. */
interface Segment {
  readonly epoch: string;
  readonly tracker: DeliveryTracker;
  /** The client left this epoch through a `reset` (a restarted server): what it had not received by then is covered. */
  left: boolean;
}

/** One client affected by one drop. */
interface ClientDrop {
  readonly drop: number;
  /** µs when the client saw its connection end (0: it did not, as a short poll between requests). */
  lostAt: number;
  /** The client's highest seq when it lost the connection (or, without a loss, when it received again). */
  seqAtLoss: number;
  epochAtLoss: string;
  /** µs of the first feed message after the drop; 0 while away. */
  recoveredAt: number;
  kind: 'away' | 'update' | 'reset';
  /** Resume: the highest seq received since, published before `recoveredAt` (the end of the outage). */
  top: number;
  /** The delivery bitset the resumed updates were recorded in. */
  segment: Segment | undefined;
  resetSeq: number;
  resetEpoch: string;
  /** µs from the start of the attempt that received again to its first message (connect + resume); -1 unknown. */
  reopenMicros: number;
}

export class ClientFollower {
  readonly segments: Segment[] = [];
  current: Segment;
  /** Same-epoch `reset` (resume point too old): updates the snapshot replaced. */
  coveredInEpoch = 0;
  /** The client's highest seq seen (what its next resume asks from). */
  maxSeq = -1;
  /** The record of the latest drop, until the next one. */
  open: ClientDrop | undefined;
  /** The latest connection's time from its attempt's start to its first message (µs); -1 none yet. */
  private openedMicros = -1;
  readonly done: ClientDrop[] = [];

  constructor(
    private readonly log: DropLog,
    epoch: string,
  ) {
    this.current = { epoch, tracker: new DeliveryTracker(), left: false };
    this.segments.push(this.current);
  }

  get tracker(): DeliveryTracker {
    return this.current.tracker;
  }

  /** The window opens at `seqStart` of `epoch`: forget everything before. */
  start(seqStart: number, epoch: string): void {
    this.current = { epoch, tracker: new DeliveryTracker(), left: false };
    this.current.tracker.start(seqStart);
    this.segments.length = 0;
    this.segments.push(this.current);
    this.coveredInEpoch = 0;
    this.done.length = 0;
    this.open = undefined;
  }

  /** A drop is about to happen. `connected`: the client is open now (else it is still away from an earlier one). */
  arm(drop: number, now: number, connected: boolean): void {
    if (this.open !== undefined) this.done.push(this.open);
    this.open = {
      drop,
      lostAt: connected ? 0 : now,
      seqAtLoss: this.maxSeq,
      epochAtLoss: this.current.epoch,
      recoveredAt: 0,
      kind: 'away',
      top: 0,
      segment: undefined,
      resetSeq: 0,
      resetEpoch: '',
      reopenMicros: -1,
    };
  }

  /** A connection delivered its first message, `connectMicros` after its attempt started (just before that message). */
  opened(connectMicros: number): void {
    this.openedMicros = connectMicros;
  }

  /** The connection ended (the client will reconnect). */
  lost(now: number): void {
    const open = this.open;
    if (open === undefined || open.lostAt !== 0 || open.recoveredAt !== 0) return;
    open.lostAt = now;
    open.seqAtLoss = this.maxSeq;
    this.openedMicros = -1;
  }

  /** Hot path: one update; `floorOk`: it belongs to the window and counts for delivery. */
  update(seq: number, ts: number, receivedAt: number, floorOk: boolean): void {
    const open = this.open;
    if (open !== undefined) {
      if (open.recoveredAt === 0 && this.mayRecover(open)) {
        if (open.lostAt === 0) open.seqAtLoss = this.maxSeq;
        open.recoveredAt = receivedAt;
        open.reopenMicros = this.openedMicros;
        open.kind = 'update';
        open.top = open.seqAtLoss;
        open.segment = this.current;
      }
      // Updates published before the client received again were published while it was away.
      if (open.kind === 'update' && ts < open.recoveredAt && seq > open.top) open.top = seq;
    }
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (floorOk) this.current.tracker.record(seq);
  }

  /** An `initial` or `reset` snapshot at `seq` of `epoch`. */
  snapshot(kind: 'initial' | 'reset', seq: number, epoch: string, now: number, measuring: boolean): void {
    const open = this.open;
    if (open !== undefined && open.recoveredAt === 0 && this.mayRecover(open)) {
      if (open.lostAt === 0) open.seqAtLoss = this.maxSeq;
      open.recoveredAt = now;
      open.reopenMicros = this.openedMicros;
      open.kind = 'reset';
      open.resetSeq = seq;
      open.resetEpoch = epoch;
    }
    // Before the window nothing is counted: `start` sets the epoch then.
    if (measuring) {
      if (epoch !== this.current.epoch) {
        this.current.left = true;
        this.current = { epoch, tracker: new DeliveryTracker(), left: false };
        this.current.tracker.start(seq);
        this.segments.push(this.current);
      } else if (kind === 'reset') {
        this.coveredInEpoch += Math.max(0, seq - Math.max(this.current.tracker.highestSeq, this.maxSeq));
      }
    }
    this.maxSeq = seq;
  }

  /**
   * A client that lost its connection receives again on a new one (the client library ignores
   * what the old one still delivers). A short poll may never see the drop (its keep-alive
   * socket was idle and is simply replaced): for it, its next answer after the drop counts.
   */
  private mayRecover(open: ClientDrop): boolean {
    return open.lostAt !== 0 || (this.log.withoutLoss && this.log.doneAt(open.drop) !== undefined);
  }
}

/** The worker's drops: when each happened, and the accounting over every client's records. */
export class DropLog {
  private readonly started = new Map<number, number>();
  private readonly finished = new Map<number, number>();

  /** `withoutLoss`: short polling, where a client may receive again without ever seeing the drop. */
  constructor(readonly withoutLoss: boolean) {}

  dropped(drop: number, startedAt: number, doneAt: number): void {
    this.started.set(drop, startedAt);
    this.finished.set(drop, doneAt);
  }

  doneAt(drop: number): number | undefined {
    return this.finished.get(drop);
  }

  /**
   * Delivery and drop figures over `followers` (the clients that connected), given the last
   * seq of the window in each epoch it went through.
   */
  settle(
    followers: readonly ClientFollower[],
    epochEnds: Record<string, number>,
  ): { delivery: { expected: number; delivered: number; duplicated: number; outOfOrder: number }; reconnect: WorkerReconnect } {
    let expected = 0;
    let delivered = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    const figures = { clientDrops: 0, recovered: 0, publishedDuringOutage: 0, recoveredByResume: 0, missedInOutage: 0, coveredByReset: 0 };
    const recovery = createHistogram();
    const phases = new RecoveryPhases();
    for (const follower of followers) {
      let covered = follower.coveredInEpoch;
      for (const segment of follower.segments) {
        const { tracker } = segment;
        const end = epochEnds[segment.epoch] ?? tracker.highestSeq;
        expected += Math.max(0, end - tracker.floorSeq);
        delivered += tracker.deliveredUpTo(end);
        duplicated += tracker.duplicated;
        outOfOrder += tracker.outOfOrder;
        // A restarted server lost what this client had not received: the reset said so.
        if (segment.left) covered += Math.max(0, end - Math.max(tracker.highestSeq, tracker.floorSeq));
      }
      expected -= covered;
      const records = follower.open === undefined ? follower.done : [...follower.done, follower.open];
      for (const record of records) {
        figures.clientDrops += 1;
        if (record.recoveredAt === 0) continue;
        figures.recovered += 1;
        const startedAt = this.started.get(record.drop);
        if (startedAt !== undefined) {
          recovery.recordValue(Math.max(1, Math.round(record.recoveredAt - startedAt)));
          phases.record(record, startedAt);
        }
        if (record.kind === 'update' && record.segment !== undefined) {
          const from = Math.max(record.seqAtLoss, record.segment.tracker.floorSeq);
          const published = Math.max(0, record.top - from);
          let received = 0;
          for (let seq = from + 1; seq <= record.top; seq++) if (record.segment.tracker.has(seq)) received += 1;
          figures.publishedDuringOutage += published;
          figures.recoveredByResume += received;
          figures.missedInOutage += published - received;
        } else if (record.kind === 'reset') {
          let replaced: number;
          if (record.resetEpoch !== record.epochAtLoss) {
            const oldEnd = epochEnds[record.epochAtLoss];
            replaced = (oldEnd === undefined ? 0 : Math.max(0, oldEnd - record.seqAtLoss)) + record.resetSeq;
          } else {
            replaced = Math.max(0, record.resetSeq - record.seqAtLoss);
          }
          figures.publishedDuringOutage += replaced;
          figures.coveredByReset += replaced;
        }
      }
    }
    const reconnect: WorkerReconnect = { ...figures, recovery: encodeHistogram(recovery), phases: phases.encode() };
    recovery.destroy();
    return { delivery: { expected, delivered, duplicated, outOfOrder }, reconnect };
  }
}

/**
 * Where a recovery's time went, for the client-drops that saw their connection end: *noticed*
 * (drop → the client saw the loss), *reopened* (start of the attempt that worked → its first
 * message: connect, handshake and resume) and *waited* between them (the backoff, and any
 * attempt that failed). The three add up to the recovery.
 */
class RecoveryPhases {
  private readonly noticed = createHistogram();
  private readonly waited = createHistogram();
  private readonly reopened = createHistogram();

  record(record: ClientDrop, startedAt: number): void {
    if (record.lostAt === 0 || record.reopenMicros < 0) return;
    const total = Math.max(0, record.recoveredAt - startedAt);
    const noticed = Math.min(total, Math.max(0, record.lostAt - startedAt));
    const reopened = Math.min(total - noticed, record.reopenMicros);
    this.noticed.recordValue(Math.max(1, Math.round(noticed)));
    this.reopened.recordValue(Math.max(1, Math.round(reopened)));
    this.waited.recordValue(Math.max(1, Math.round(total - noticed - reopened)));
  }

  /** Encoded, and released. */
  encode(): WorkerReconnect['phases'] {
    const encoded = {
      noticed: encodeHistogram(this.noticed),
      waited: encodeHistogram(this.waited),
      reopened: encodeHistogram(this.reopened),
    };
    this.noticed.destroy();
    this.waited.destroy();
    this.reopened.destroy();
    return encoded;
  }
}

/** Reconnect attempts in time bins (µs time ÷ bin width), drained as flat [bin, count] pairs. */
export class AttemptBins {
  private readonly bins = new Map<number, number>();

  constructor(private readonly binMicros: number) {}

  record(atMicros: number): void {
    const bin = Math.floor(atMicros / this.binMicros);
    this.bins.set(bin, (this.bins.get(bin) ?? 0) + 1);
  }

  drain(): number[] {
    const pairs: number[] = [];
    for (const [bin, count] of this.bins) pairs.push(bin, count);
    this.bins.clear();
    return pairs;
  }
}
