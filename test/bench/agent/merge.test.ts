import { describe, expect, it } from 'vitest';
import { addEncoded, createHistogram, decodeHistogram, encodeHistogram, summarize } from '../../../bench/report/histogram.js';

describe('merging agents’ histograms from their encoded form', () => {
  it('gives exactly the histogram built from every sample', () => {
    // Three shards' samples, deterministic and spread over several magnitudes.
    const shards = [0, 1, 2].map((shard) => Array.from({ length: 5000 }, (_, index) => 1 + ((index * 7919 + shard * 104_729) % 250_000)));
    const whole = createHistogram();
    for (const samples of shards) for (const value of samples) whole.recordValue(value);
    const merged = createHistogram();
    for (const samples of shards) {
      const own = createHistogram();
      for (const value of samples) own.recordValue(value);
      addEncoded(merged, encodeHistogram(own));
      own.destroy();
    }
    // The encoded form keeps every bucket's count; its max is its bucket's top (as for one worker's).
    const wholeAsSent = decodeHistogram(encodeHistogram(whole));
    expect(merged.totalCount).toBe(15_000);
    expect(summarize(merged)).toEqual(summarize(wholeAsSent));
    expect(encodeHistogram(merged)).toBe(encodeHistogram(wholeAsSent));
    for (const percentile of [1, 25, 50, 75, 90, 99, 99.9])
      expect(merged.getValueAtPercentile(percentile)).toBe(whole.getValueAtPercentile(percentile));
  });
});
