import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram } from '../../bench/report/histogram.js';
import { reconnectDelay } from '../../dashboard/src/demo/connection.js';
import { backoffDelay, TIMINGS } from '../../wire/timings.js';
import { isOneTwoFive } from '../../dashboard/src/charts.js';
import { percentileCurve, percentileLabel } from '../../dashboard/src/results/percentiles.js';
import { PROTOCOL_INFO, PROTOCOL_NAMES } from '../../dashboard/src/protocols.js';

describe('dashboard helpers', () => {
  it("backs off 1, 2, 4, 8, 16, 16 s by the Node clients' rule: jitter only shortens, the first retry within 1 s", () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => reconnectDelay(n, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000]);
    expect(reconnectDelay(0, () => 0)).toBe(1000);
    for (const random of [0, 0.25, 0.5, 0.999]) {
      expect(reconnectDelay(1, () => random)).toBeLessThanOrEqual(1000);
      for (const attempt of [1, 2, 3, 7])
        expect(reconnectDelay(attempt, () => random)).toBe(backoffDelay(attempt - 1, TIMINGS.backoff, random));
    }
    expect(reconnectDelay(1, () => 0.999)).toBeGreaterThanOrEqual(500);
  });

  it('labels a log axis at 1, 2 and 5 times a power of ten', () => {
    expect([1, 2, 5, 10, 20, 50, 0.5, 3, 7].map(isOneTwoFive)).toEqual([true, true, true, true, true, true, true, false, false]);
  });

  it('draws the percentile distribution from a stored histogram, like HdrHistogram plots', () => {
    const histogram = createHistogram();
    for (let v = 1; v <= 10_000; v++) histogram.recordValue(v * 100); // 0.1 ms … 1000 ms, uniform
    const encoded = encodeHistogram(histogram);
    const curve = percentileCurve(encoded, null)!;
    expect(curve.source).toBe('histogram');
    expect(curve.count).toBe(10_000);
    const at = (x: number) => curve.points.find((p) => Math.abs(p.x - x) < 1e-6)!;
    expect(at(1).y).toBeCloseTo(0.1, 1); // p0: the minimum
    expect(at(2).y).toBeCloseTo(500, -1); // the median
    expect(at(100).y).toBeCloseTo(990, -1); // p99
    expect(curve.points.at(-1)).toMatchObject({ x: 10_000, percentile: 100 });
    expect(curve.points.at(-1)!.y).toBeCloseTo(1000, -1);
    for (let i = 1; i < curve.points.length; i++) expect(curve.points[i]!.y).toBeGreaterThanOrEqual(curve.points[i - 1]!.y);
  });

  it('falls back to the stored percentiles when there is no histogram', () => {
    const summary = { count: 5000, min: 100, mean: 900, p50: 800, p90: 1500, p99: 4000, p999: 9000, max: 12000 };
    const curve = percentileCurve('not base64 at all', summary)!;
    expect(curve.source).toBe('summary');
    expect(curve.points.map((p) => Math.round(p.x))).toEqual([1, 2, 10, 100, 1000, 5000]);
    expect(curve.points.map((p) => p.y)).toEqual([0.1, 0.8, 1.5, 4, 9, 12]);
    expect(percentileCurve('', { ...summary, count: 0 })).toBeUndefined();
  });

  it('labels the log percentile axis', () => {
    expect([2, 10, 100, 1000, 10_000].map(percentileLabel)).toEqual(['50%', '90%', '99%', '99.9%', '99.99%']);
  });

  it('gives every protocol its own colour', () => {
    const colours = PROTOCOL_NAMES.map((p) => PROTOCOL_INFO[p].colour);
    expect(new Set(colours).size).toBe(4);
  });
});
