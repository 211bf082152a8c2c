/**
 * One direction of one proxied connection: bytes read from `source` wait here until their
 * release time, then are written to `dest`. The model is a link: a chunk first passes the
 * bandwidth bottleneck (if any), then travels `latency ± jitter`. Release times never go
 * backwards, so bytes stay in order even when jitter would have swapped two chunks; a chunk
 * held back that way arrives later than its own delay, never earlier.
 */
import type { Socket } from 'node:net';
import type { BandwidthScope } from './options.js';
import type { TokenBucket } from './token-bucket.js';

export interface DirectionShaping {
  latencyMs: number;
  jitterMs: number;
  /** The bottleneck this direction passes through; undefined means uncapped. */
  bucket: TokenBucket | undefined;
  /** Capped chunks are cut to this size so a 64 KiB read trickles out like packets instead of landing at once. */
  sliceBytes: number;
  /** Reading from `source` pauses while more than this many bytes wait here and in `dest`'s buffer. */
  maxQueuedBytes: number;
  /** A uniform number in [0, 1): injectable so tests can force the worst cases. */
  random: () => number;
  /** Milliseconds on a monotonic clock. */
  now: () => number;
}

export interface DelayLineHooks {
  forwarded(bytes: number): void;
  queued(bytesWaiting: number): void;
  paused(): void;
}

interface Pending {
  /** undefined is the end of the stream (a FIN), delayed like data so it cannot overtake it. */
  chunk: Buffer | undefined;
  releaseAt: number;
}

export class DelayLine {
  private readonly pending: Pending[] = [];
  private waitingBytes = 0;
  private lastReleaseAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readingPaused = false;
  private stopped = false;

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly shaping: DirectionShaping,
    private readonly hooks: DelayLineHooks,
  ) {
    source.on('data', (chunk: Buffer) => this.accept(chunk));
    source.on('end', () => this.acceptEnd());
    dest.on('drain', () => this.resumeIfRoom());
  }

  /** Bytes read from the source and not yet handed to the destination. */
  get queuedBytes(): number {
    return this.waitingBytes;
  }

  /** Drops whatever waits and cancels the timer: the connection is gone. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
    this.waitingBytes = 0;
  }

  private accept(chunk: Buffer): void {
    if (this.stopped) return;
    const now = this.shaping.now();
    const { bucket, sliceBytes } = this.shaping;
    if (bucket === undefined) {
      this.enqueue(chunk, now);
    } else {
      for (let offset = 0; offset < chunk.length; offset += sliceBytes) {
        const slice = chunk.subarray(offset, offset + sliceBytes);
        this.enqueue(slice, now + bucket.take(slice.length * 8, now));
      }
    }
    this.waitingBytes += chunk.length;
    this.hooks.queued(this.waitingBytes);
    if (!this.readingPaused && this.backlog() > this.shaping.maxQueuedBytes) {
      this.readingPaused = true;
      this.source.pause();
      this.hooks.paused();
    }
    this.schedule();
  }

  private acceptEnd(): void {
    if (this.stopped) return;
    this.enqueue(undefined, this.shaping.now());
    this.schedule();
  }

  private enqueue(chunk: Buffer | undefined, passedBottleneckAt: number): void {
    const { latencyMs, jitterMs, random } = this.shaping;
    const delay = Math.max(0, latencyMs + (random() * 2 - 1) * jitterMs);
    const releaseAt = Math.max(passedBottleneckAt + delay, this.lastReleaseAt);
    this.lastReleaseAt = releaseAt;
    this.pending.push({ chunk, releaseAt });
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    const next = this.pending[0];
    if (next === undefined) return;
    const wait = next.releaseAt - this.shaping.now();
    if (wait <= 0) {
      this.release();
      return;
    }
    // Timers may fire up to a millisecond early against the monotonic clock; release()
    // checks again and re-arms, so no chunk ever leaves before its time.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, Math.ceil(wait));
  }

  private release(): void {
    const now = this.shaping.now();
    while (!this.stopped) {
      const next = this.pending[0];
      if (next === undefined || next.releaseAt > now) break;
      this.pending.shift();
      if (next.chunk !== undefined) this.waitingBytes -= next.chunk.length;
      if (this.dest.destroyed) continue;
      if (next.chunk === undefined) {
        this.dest.end();
      } else {
        this.dest.write(next.chunk);
        this.hooks.forwarded(next.chunk.length);
      }
    }
    this.resumeIfRoom();
    this.schedule();
  }

  private backlog(): number {
    return this.waitingBytes + this.dest.writableLength;
  }

  private resumeIfRoom(): void {
    // Resume at half the bound, not just under it, so reading does not flap per chunk.
    if (!this.readingPaused || this.stopped || this.backlog() > this.shaping.maxQueuedBytes / 2) return;
    this.readingPaused = false;
    this.source.resume();
  }
}
