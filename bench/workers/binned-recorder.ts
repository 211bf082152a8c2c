import type { Histogram } from '../report/histogram.js';

/**
 * The hot-path half of a histogram: counts integer microsecond values in the same
 * equivalence classes as the harness's HDR histograms (3 significant digits, lowest value 1),
 * with one `Math.clz32` and one array increment per value instead of hdr-histogram-js's
 * log2/pow/floor, and hands the counts to an HDR histogram in one batch (`flushInto`, once
 * per tick). Exact min and max are kept, so the merged histogram reports them exactly.
 *
 * Layout (HdrHistogram's, for 32-bit values): 1024 half-buckets of unit width for values
 * below 2048, then one bucket of 1024 sub-buckets per power of two. Values of 2^32 µs (71
 * minutes) and more go straight to the HDR histogram.
 */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK = (SUB_BUCKET_HALF_COUNT << 1) - 1;
const LEADING_ZERO_COUNT_BASE = 32 - SUB_BUCKET_HALF_COUNT_MAGNITUDE - 1;
const BUCKETS = 32 - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const LENGTH = (BUCKETS + 1) * SUB_BUCKET_HALF_COUNT;
const UINT32_LIMIT = 2 ** 32;

export class BinnedRecorder {
  private readonly counts = new Uint32Array(LENGTH);
  private lowest = LENGTH;
  private highest = -1;
  private min = Number.POSITIVE_INFINITY;
  private max = -1;
  private total = 0;
  /** Values too large for the bins, recorded directly at flush. */
  private readonly oversized: number[] = [];

  get count(): number {
    return this.total + this.oversized.length;
  }

  /** `value`: a non-negative integer (µs). */
  record(value: number): void {
    if (value >= UINT32_LIMIT) {
      this.oversized.push(value);
      return;
    }
    const bucket = LEADING_ZERO_COUNT_BASE - Math.clz32(value | SUB_BUCKET_MASK);
    const index = ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (value >>> bucket) - SUB_BUCKET_HALF_COUNT;
    this.counts[index]! += 1;
    if (index < this.lowest) this.lowest = index;
    if (index > this.highest) this.highest = index;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.total += 1;
  }

  /** Adds everything recorded since the last flush to `histogram`, then starts empty. */
  flushInto(histogram: Histogram): void {
    for (const value of this.oversized) histogram.recordValue(value);
    this.oversized.length = 0;
    if (this.total === 0) return;
    const minIndex = this.lowest;
    const maxIndex = this.highest;
    for (let index = minIndex; index <= maxIndex; index++) {
      let count = this.counts[index]!;
      if (count === 0) continue;
      this.counts[index] = 0;
      // The exact extremes are recorded as themselves (same bucket), the rest as the bucket.
      if (index === minIndex) {
        histogram.recordValue(this.min);
        count -= 1;
      }
      if (index === maxIndex && count > 0) {
        histogram.recordValue(this.max);
        count -= 1;
      }
      if (count > 0) histogram.recordValueWithCount(valueFromIndex(index), count);
    }
    this.lowest = LENGTH;
    this.highest = -1;
    this.min = Number.POSITIVE_INFINITY;
    this.max = -1;
    this.total = 0;
  }

  /** Forgets what was recorded since the last flush. */
  reset(): void {
    if (this.highest >= 0) this.counts.fill(0, this.lowest, this.highest + 1);
    this.oversized.length = 0;
    this.lowest = LENGTH;
    this.highest = -1;
    this.min = Number.POSITIVE_INFINITY;
    this.max = -1;
    this.total = 0;
  }
}

/** The lowest value of bin `index`. */
function valueFromIndex(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let subBucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    subBucket -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}
