import { describe, expect, it } from 'vitest';
import { BinnedRecorder } from '../../../bench/workers/binned-recorder.js';
import { createHistogram, encodeHistogram, summarize } from '../../../bench/report/histogram.js';

describe('BinnedRecorder', () => {
  it('gives the same histogram as recording each value into HDR directly', () => {
    const direct = createHistogram();
    const batched = createHistogram();
    const bins = new BinnedRecorder();
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50_000; i++) {
        const value = Math.floor(random() < 0.5 ? random() * 3000 : 2 ** (random() * 34));
        direct.recordValue(value);
        bins.record(value);
      }
      bins.flushInto(batched);
    }
    expect(bins.count).toBe(0);
    expect(batched.totalCount).toBe(direct.totalCount);
    expect(summarize(batched)).toEqual(summarize(direct));
    for (const p of [1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100])
      expect(batched.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect(encodeHistogram(batched)).toBe(encodeHistogram(direct));
  });

  it('keeps the exact min and max, and zeros', () => {
    const h = createHistogram();
    const bins = new BinnedRecorder();
    for (const value of [0, 0, 123_456, 123_457, 5]) bins.record(value);
    bins.flushInto(h);
    expect(h.totalCount).toBe(5);
    expect(h.maxValue).toBe(123_457);
    expect(h.minNonZeroValue).toBe(5);
    expect(h.getValueAtPercentile(10)).toBe(0);
  });

  it('reset forgets what was not flushed', () => {
    const h = createHistogram();
    const bins = new BinnedRecorder();
    bins.record(100);
    bins.reset();
    bins.record(7);
    bins.flushInto(h);
    expect(summarize(h)).toMatchObject({ count: 1, max: 7 });
  });
});
