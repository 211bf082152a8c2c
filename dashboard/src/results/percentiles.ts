import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../../../bench/report/types.js';

/** One point of a percentile-distribution plot: `x = 1 / (1 − p)`, `y` in ms. */
export interface PercentilePoint {
  /** 1 / (1 − percentile/100): 2 is the median, 10 is p90, 100 is p99 … (log axis). */
  x: number;
  y: number;
  percentile: number;
}

export interface PercentileCurve {
  points: PercentilePoint[];
  /** `histogram`: decoded from the stored HDR histogram; `summary`: only the stored percentiles. */
  source: 'histogram' | 'summary';
  count: number;
}

/** Points per tenfold step of `1/(1−p)`: smooth enough without drawing thousands. */
const STEPS_PER_DECADE = 12;

/**
 * The percentile distribution of a latency histogram, like HdrHistogram's plots: percentiles
 * from 0 up to the last one the sample count can tell apart, then the maximum. Decodes the
 * compressed base64 histogram the result file stores; when that is missing or cannot be
 * decoded, falls back to the stored summary (p50, p90, p99, p99.9, max).
 */
export function percentileCurve(encoded: string | undefined, summary: LatencySummary | null | undefined): PercentileCurve | undefined {
  if (encoded !== undefined && encoded !== '') {
    try {
      return fromHistogram(encoded);
    } catch {
      // fall through to the summary
    }
  }
  if (summary === null || summary === undefined || summary.count === 0) return undefined;
  const points: PercentilePoint[] = [
    point(0, summary.min),
    point(50, summary.p50),
    point(90, summary.p90),
    point(99, summary.p99),
    point(99.9, summary.p999),
  ].filter((p) => p.x <= Math.max(2, summary.count));
  points.push({ x: Math.max(points.at(-1)?.x ?? 1, summary.count), y: summary.max / 1000, percentile: 100 });
  return { points, source: 'summary', count: summary.count };
}

function fromHistogram(encoded: string): PercentileCurve | undefined {
  const histogram = hdr.decodeFromCompressedBase64(encoded, 32, false);
  try {
    const count = histogram.totalCount;
    if (count === 0) return undefined;
    const points: PercentilePoint[] = [];
    const lastX = Math.max(2, count);
    // Even steps on the log axis, plus the median (x = 2) itself.
    const xs = [2];
    for (let i = 0; 10 ** (i / STEPS_PER_DECADE) < lastX; i++) xs.push(10 ** (i / STEPS_PER_DECADE));
    for (const x of xs.filter((x) => x < lastX).sort((a, b) => a - b)) {
      const percentile = (1 - 1 / x) * 100;
      points.push(point(percentile, histogram.getValueAtPercentile(percentile)));
    }
    points.push({ x: lastX, y: histogram.maxValue / 1000, percentile: 100 });
    return { points, source: 'histogram', count };
  } finally {
    histogram.destroy();
  }
}

function point(percentile: number, micros: number): PercentilePoint {
  return { x: 1 / (1 - percentile / 100), y: micros / 1000, percentile };
}

/** The label of a point on the x axis: `50%`, `99.9%`, `99.99%`. */
export function percentileLabel(x: number): string {
  const percentile = (1 - 1 / x) * 100;
  if (x <= 1) return '0%';
  const digits = Math.max(0, Math.ceil(Math.log10(x)) - 2);
  return `${percentile.toFixed(digits)}%`;
}
