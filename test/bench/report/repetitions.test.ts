import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../../bench/report/histogram.js';
import { combineRepetitions, median } from '../../../bench/report/repetitions.js';
import { protocolResult, reconnectFigures } from '../fixture.js';

describe('combining repetitions', () => {
  it('takes the median of each figure and keeps every repetition', () => {
    const reps = [
      protocolResult('ws', { errors: ['a'] }, 1000),
      protocolResult('ws', { errors: ['b', 'a'] }, 4000),
      protocolResult('ws', {}, 2000),
    ];
    reps[1]!.server!.cpuPercent = 40;
    reps[2]!.server!.cpuPercent = 10;
    reps[1]!.generator.saturated = true;
    const combined = combineRepetitions(reps);
    expect(combined.repetitions).toHaveLength(3);
    expect(combined.repetitions!.map((r) => r.latency.p50)).toEqual(reps.map((r) => r.latency.p50));
    expect(combined.latency.p50).toBe(reps[2]!.latency.p50);
    expect(combined.latency.p99).toBe(reps[2]!.latency.p99);
    expect(combined.server!.cpuPercent).toBe(12.5);
    expect(combined.generator.saturated).toBe(true);
    expect(combined.errors).toEqual(['a', 'b']);
    expect(combined.protocol).toBe('ws');
    expect(combined.capacity).toBeNull();
  });

  it('keeps the drops and the storm of every repetition, in time order', () => {
    const first = protocolResult('ws', {
      reconnect: reconnectFigures({
        events: [{ kind: 'drop', t: 8000, atMs: 5000, connections: 10, tookMs: 2 }],
        storm: [{ t: 8200, acceptedPerSecond: 50, attemptsPerSecond: 40 }],
      }),
    });
    const second = protocolResult('ws', {
      reconnect: reconnectFigures({
        events: [{ kind: 'drop', t: 20_000, atMs: 5000, connections: 10, tookMs: 3 }],
        storm: [{ t: 20_200, acceptedPerSecond: 45, attemptsPerSecond: 35 }],
      }),
    });
    const combined = combineRepetitions([second, first]);
    expect(combined.reconnect!.events.map((e) => e.t)).toEqual([8000, 20_000]);
    expect(combined.reconnect!.storm.map((s) => s.t)).toEqual([8200, 20_200]);
    expect(combined.reconnect!.drops).toBe(1);
  });

  it('merges the HDR histograms of the repetitions exactly', () => {
    const reps = [protocolResult('sse', {}, 1000), protocolResult('sse', {}, 2000)];
    const combined = combineRepetitions(reps);
    const merged = decodeHistogram(combined.histograms.latency);
    expect(merged.totalCount).toBe(2000);
    expect(merged.maxValue).toBe(decodeHistogram(reps[1]!.histograms.latency).maxValue);
    merged.destroy();
  });

  it('one repetition stays as it is; no repetitions or mixed protocols are refused', () => {
    const one = protocolResult('ws');
    expect(combineRepetitions([one])).toEqual(one);
    expect(() => combineRepetitions([])).toThrow(/at least one/);
    expect(() => combineRepetitions([protocolResult('ws'), protocolResult('sse')])).toThrow(/several protocols: ws, sse/);
  });

  it('median of an even count is the mean of the middle two, whole when the inputs are', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(3);
    expect(median([1.5, 2, 3, 4])).toBe(2.5);
  });
});
