/**
 * A token bucket in bits that may go into debt. Taking more bits than it holds is allowed
 * and answers how long until the debt is paid: that is when the last of those bits would
 * have left a link of this rate. Letting the debt stand (instead of refusing) is what keeps
 * chunks in arrival order: each caller is told its own finish time, FIFO, like a router queue.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly bitsPerSecond: number,
    /** How many bits may pass at once after an idle spell: kept small so the cap holds from the start. */
    readonly burstBits: number,
    now: number,
  ) {
    if (!(bitsPerSecond > 0) || !Number.isFinite(bitsPerSecond))
      throw new RangeError(`bitsPerSecond must be a positive number, got ${bitsPerSecond}`);
    if (!(burstBits > 0) || !Number.isFinite(burstBits)) throw new RangeError(`burstBits must be a positive number, got ${burstBits}`);
    this.tokens = burstBits;
    this.updatedAt = now;
  }

  /** Takes `bits` at time `now` (ms) and returns how many ms until they have passed. */
  take(bits: number, now: number): number {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burstBits, this.tokens + (elapsed * this.bitsPerSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, now);
    this.tokens -= bits;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.bitsPerSecond;
  }
}
