import { describe, expect, it } from 'vitest';
import { addEncoded, createHistogram, decodeHistogram, encodeHistogram, summarize } from '../../../bench/report/histogram.js';

describe('histograms', () => {
  it('merging encoded per-worker histograms equals recording everything in one', () => {
    const all = createHistogram();
    const workers = [createHistogram(), createHistogram(), createHistogram()];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 30_000; i++) {
      // A long tail: mostly ~1 ms, sometimes up to 2 s.
      const value = Math.round(random() < 0.99 ? 500 + random() * 1000 : 10_000 + random() * 2_000_000);
      all.recordValue(value);
      workers[i % workers.length]!.recordValue(value);
    }
    const merged = createHistogram();
    for (const worker of workers) addEncoded(merged, encodeHistogram(worker));
    const { max: mergedMax, ...mergedRest } = summarize(merged);
    const { max: allMax, ...allRest } = summarize(all);
    expect(mergedRest).toEqual(allRest);
    // The encoding keeps buckets, not the exact largest value: equal within the 3 digits kept.
    expect(Math.abs(mergedMax - allMax) / allMax).toBeLessThan(0.001);
    expect(merged.totalCount).toBe(30_000);
  });

  it('skips empty encodings and keeps zero samples', () => {
    const merged = createHistogram();
    addEncoded(merged, '');
    addEncoded(merged, undefined);
    const empty = createHistogram();
    addEncoded(merged, encodeHistogram(empty));
    expect(merged.totalCount).toBe(0);
    expect(summarize(merged)).toMatchObject({ count: 0, p99: 0 });
    const zeros = createHistogram();
    zeros.recordValue(0);
    zeros.recordValue(0);
    addEncoded(merged, encodeHistogram(zeros));
    expect(merged.totalCount).toBe(2);
  });

  it('round-trips through the result file form and grows for an hour-long value', () => {
    const h = createHistogram();
    h.recordValue(3_600_000_000);
    h.recordValue(1);
    const decoded = decodeHistogram(encodeHistogram(h));
    expect(decoded.totalCount).toBe(2);
    expect(decoded.maxValue).toBeGreaterThanOrEqual(3_599_000_000);
  });

  it('corrects coordinated omission when asked', () => {
    const h = createHistogram();
    h.recordValueWithExpectedInterval(5_000_000, 1_000_000); // a 5 s stall with 1 s PINGs
    expect(h.totalCount).toBe(5);
    expect(summarize(h).p50).toBeGreaterThanOrEqual(2_990_000);
  });
});
