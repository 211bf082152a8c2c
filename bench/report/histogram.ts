import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

export type Histogram = hdr.Histogram;

/** Values are microseconds: 1 µs to one hour at 3 significant digits, growing if needed. */
const HISTOGRAM_REQUEST: hdr.BuildRequest = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
};

/** The one histogram factory: every histogram the harness merges must share this layout. */
export function createHistogram(): Histogram {
  return hdr.build(HISTOGRAM_REQUEST);
}

/** Compressed base64, the form histograms cross worker threads and land in result files. */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds an encoded histogram into `into`; empty strings (nothing recorded) are skipped. */
export function addEncoded(into: Histogram, encoded: string | undefined): void {
  if (encoded === undefined || encoded === '') return;
  const other = decodeHistogram(encoded);
  into.add(other);
  other.destroy();
}

export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count,
    min: histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue,
    mean: Math.round(histogram.mean),
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
  };
}
