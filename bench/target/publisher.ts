import { performance } from 'node:perf_hooks';
import { MARKER_BYTES, MAX_MARKER_SEQ, isRunTag, markedMessage } from '../../clients/codecs/marker.js';
import { nowMicros } from '../../wire/clock.js';
import { createHistogram, encodeHistogram, summarize } from '../report/histogram.js';
import type { LatencySummary } from '../report/types.js';
import type { PublishTransport } from './publish-transport.js';

/** Where a body template puts the marked message. */
export const MESSAGE_PLACEHOLDER = '{{message}}';
/** Failed seqs kept for the integrity count; more are only counted. */
export const MAX_FAILED_SEQS = 10_000;

export interface PublisherOptions {
  transport: PublishTransport;
  /** The run tag every marker carries (clients/codecs/marker.ts). */
  run: string;
  /** Messages per second, on a fixed schedule. */
  rate: number;
  /** Bytes of each published body (the marker's 32 at least, plus the template's own). */
  payload: number;
  /** Stops after this many publishes. */
  maxMessages: number;
  /** Stops scheduling after this long (ms); publishes in flight are still awaited. */
  durationMs: number;
  /** Publishes awaiting their acknowledgement at most. @default 1 */
  maxInFlight?: number;
  /** The body around the message, with `{{message}}` once; the message alone when absent. */
  bodyTemplate?: string;
  /** The first seq (a later publisher on the same channel goes on from the last one). @default 1 */
  firstSeq?: number;
}

export interface PublisherResult {
  readonly run: string;
  readonly firstSeq: number;
  /** The last seq sent (firstSeq - 1 when none was). */
  readonly lastSeq: number;
  /** Publishes sent: seqs firstSeq … lastSeq. */
  readonly attempted: number;
  /** Publishes the server acknowledged. */
  readonly acked: number;
  readonly failed: number;
  /** Failures by reason (`HTTP 503`, `ECONNREFUSED`, `timeout`, …). */
  readonly failures: Readonly<Record<string, number>>;
  /** Seqs whose publish failed (the first MAX_FAILED_SEQS): not expected at the receivers. */
  readonly failedSeqs: readonly number[];
  /** Publish call → acknowledgement (µs), corrected for coordinated omission at the schedule's interval. */
  readonly ackLatency: LatencySummary;
  /** The same histogram, compressed base64, to merge or store. */
  readonly ackHistogram: string;
  /** Largest delay of a publish behind its schedule (µs): the publisher could not keep up. */
  readonly maxLagMicros: number;
  readonly stoppedBy: 'count' | 'time' | 'stop';
  /** Body bytes of each publish. */
  readonly bodyBytes: number;
}

/**
 * The harness as publisher: at `rate` it publishes bodies of `payload` bytes that carry a
 * marker (its seq and its monotonic publish time), through the preset's transport. Publishes
 * go out on a fixed schedule, at most `maxInFlight` awaiting their acknowledgement; when the
 * server is slower than the schedule the next publish waits for a free slot and the lag is
 * recorded (the schedule is not stretched: late publishes catch up). Bounded in count and in
 * time, it stops by itself; {@link done} resolves with the result once every publish settled.
 *
 * The marker's timestamp is read just before the transport is handed the body, so latency at
 * the receivers is publish → receipt on the harness's clock.
 */
export class Publisher {
  readonly done: Promise<PublisherResult>;
  private readonly transport: PublishTransport;
  private readonly run: string;
  private readonly intervalMs: number;
  private readonly maxMessages: number;
  private readonly durationMs: number;
  private readonly maxInFlight: number;
  private readonly firstSeq: number;
  private readonly before: string;
  private readonly after: string;
  private readonly messageBytes: number;
  private readonly bodyBytes: number;
  private readonly histogram = createHistogram();
  private readonly failures: Record<string, number> = {};
  private readonly failedSeqs: number[] = [];
  private startedAt = -1;
  private sent = 0;
  private acked = 0;
  private failed = 0;
  private inFlight = 0;
  private maxLagMicros = 0;
  private stoppedBy: PublisherResult['stoppedBy'] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resolveDone!: (result: PublisherResult) => void;

  constructor(options: PublisherOptions) {
    if (!isRunTag(options.run)) throw new RangeError(`run must be 4 lower-case hex digits, got ${JSON.stringify(options.run)}`);
    if (!(Number.isFinite(options.rate) && options.rate > 0))
      throw new RangeError(`rate must be > 0 messages per second, got ${options.rate}`);
    if (!Number.isSafeInteger(options.maxMessages) || options.maxMessages < 0)
      throw new RangeError(`maxMessages must be an integer >= 0, got ${options.maxMessages}`);
    if (!(Number.isFinite(options.durationMs) && options.durationMs > 0))
      throw new RangeError(`durationMs must be > 0, got ${options.durationMs}`);
    const maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)
      throw new RangeError(`maxInFlight must be an integer >= 1, got ${maxInFlight}`);
    const firstSeq = options.firstSeq ?? 1;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 0 || firstSeq + options.maxMessages - 1 > MAX_MARKER_SEQ)
      throw new RangeError(`seqs ${firstSeq} … ${firstSeq + options.maxMessages - 1} do not fit a marker (0 … ${MAX_MARKER_SEQ})`);
    const template = options.bodyTemplate ?? MESSAGE_PLACEHOLDER;
    const at = template.indexOf(MESSAGE_PLACEHOLDER);
    if (at === -1 || template.indexOf(MESSAGE_PLACEHOLDER, at + 1) !== -1)
      throw new TypeError(`the body template must contain ${MESSAGE_PLACEHOLDER} exactly once`);
    this.before = template.slice(0, at);
    this.after = template.slice(at + MESSAGE_PLACEHOLDER.length);
    const overhead = Buffer.byteLength(this.before) + Buffer.byteLength(this.after);
    if (options.payload < MARKER_BYTES + overhead)
      throw new RangeError(
        `payload must be at least ${MARKER_BYTES + overhead} bytes (the ${MARKER_BYTES}-byte marker${overhead > 0 ? ` and the template's ${overhead}` : ''}), got ${options.payload}`,
      );
    this.messageBytes = options.payload - overhead;
    this.bodyBytes = options.payload;
    this.transport = options.transport;
    this.run = options.run;
    this.intervalMs = 1000 / options.rate;
    this.maxMessages = options.maxMessages;
    this.durationMs = options.durationMs;
    this.maxInFlight = maxInFlight;
    this.firstSeq = firstSeq;
    this.done = new Promise<PublisherResult>((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Starts publishing; returns {@link done}. */
  start(): Promise<PublisherResult> {
    if (this.startedAt < 0) {
      this.startedAt = performance.now();
      this.tick();
    }
    return this.done;
  }

  /** Stops scheduling; resolves once the publishes in flight have settled. */
  stop(): Promise<PublisherResult> {
    this.finish('stop');
    return this.done;
  }

  /** Live counts, for progress lines. */
  get stats(): { sent: number; acked: number; failed: number; inFlight: number } {
    return { sent: this.sent, acked: this.acked, failed: this.failed, inFlight: this.inFlight };
  }

  private tick = (): void => {
    this.timer = undefined;
    while (this.stoppedBy === undefined && this.inFlight < this.maxInFlight) {
      if (this.sent >= this.maxMessages) {
        this.finish('count');
        return;
      }
      const now = performance.now();
      if (now - this.startedAt >= this.durationMs) {
        this.finish('time');
        return;
      }
      const due = this.startedAt + this.sent * this.intervalMs;
      if (due > now) {
        this.timer = setTimeout(this.tick, due - now);
        return;
      }
      const lag = Math.round((now - due) * 1000);
      if (lag > this.maxLagMicros) this.maxLagMicros = lag;
      this.publish(this.firstSeq + this.sent);
      this.sent += 1;
    }
    // Every slot is taken: the next settle ticks again.
  };

  private publish(seq: number): void {
    this.inFlight += 1;
    const sentAt = nowMicros();
    const body = this.before + markedMessage(this.run, seq, sentAt, this.messageBytes) + this.after;
    void this.transport.send(body).then((outcome) => {
      this.inFlight -= 1;
      if (outcome.ok) {
        this.acked += 1;
        this.histogram.recordValueWithExpectedInterval(Math.max(1, nowMicros() - sentAt), Math.round(this.intervalMs * 1000));
      } else {
        this.failed += 1;
        this.failures[outcome.reason] = (this.failures[outcome.reason] ?? 0) + 1;
        if (this.failedSeqs.length < MAX_FAILED_SEQS) this.failedSeqs.push(seq);
      }
      if (this.stoppedBy === undefined) {
        if (this.timer === undefined) this.tick();
      } else if (this.inFlight === 0) {
        this.settle();
      }
    });
  }

  private finish(reason: PublisherResult['stoppedBy']): void {
    if (this.stoppedBy !== undefined) return;
    this.stoppedBy = reason;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight === 0) this.settle();
  }

  private settle(): void {
    const result: PublisherResult = {
      run: this.run,
      firstSeq: this.firstSeq,
      lastSeq: this.firstSeq + this.sent - 1,
      attempted: this.sent,
      acked: this.acked,
      failed: this.failed,
      failures: { ...this.failures },
      failedSeqs: [...this.failedSeqs],
      ackLatency: summarize(this.histogram),
      ackHistogram: this.histogram.totalCount === 0 ? '' : encodeHistogram(this.histogram),
      maxLagMicros: this.maxLagMicros,
      stoppedBy: this.stoppedBy ?? 'stop',
      bodyBytes: this.bodyBytes,
    };
    this.histogram.destroy();
    this.resolveDone(result);
  }
}
