import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findMetric, METRICS, metricByKey } from '../../../bench/report/metrics.js';
import {
  changePercent,
  FEW_TAIL_SAMPLES,
  figureOf,
  judge,
  samplesBeyond,
  spreadsOverlap,
  standings,
  type Figure,
} from '../../../bench/report/noise.js';
import { combineRepetitions } from '../../../bench/report/repetitions.js';
import type { ProtocolResult } from '../../../bench/report/types.js';
import { protocolResult } from '../fixture.js';

const metric = (key: string) => {
  const found = findMetric(key);
  if (found === undefined) throw new Error(`no metric ${key}`);
  return found;
};

/** A figure with a known spread, as a repeated result gives it. */
const spread = (value: number, min: number, max: number): Figure => ({
  value,
  spread: { min, max, repetitions: 3 },
  samplesBeyond: null,
  fewSamples: false,
});
const single = (value: number | null): Figure => ({ value, spread: null, samplesBeyond: null, fewSamples: false });

/** The same protocol measured three times, latencies around each of `latenciesUs`. */
const repeated = (latenciesUs: number[], overrides: Partial<ProtocolResult> = {}): ProtocolResult =>
  combineRepetitions(latenciesUs.map((us) => protocolResult('ws', overrides, us)));

describe('metric senses', () => {
  it("every metric says which way is better, and the dashboard's old tables agree", () => {
    for (const m of METRICS) expect(['lower', 'higher', 'neutral', 'mustBeZero']).toContain(m.better);
    expect(metric('latency.p99').better).toBe('lower');
    expect(metric('bandwidth.efficiency').better).toBe('higher');
    expect(metric('capacity.requestsPerSecond').better).toBe('higher');
    expect(metric('delivery.expected').better).toBe('neutral');
    expect(metric('bandwidth.bytesDown').better).toBe('neutral');
    for (const key of [
      'delivery.missed',
      'delivery.duplicated',
      'delivery.outOfOrder',
      'reconnect.notRecovered',
      'reconnect.missedInOutage',
      'clients.failed',
    ])
      expect(metric(key).better).toBe('mustBeZero');
  });

  it('docs/metrics-harness.md lists every metric whose better direction is not "lower"', () => {
    const doc = readFileSync(new URL('../../../docs/metrics-harness.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Which way is better'), doc.indexOf('## Every metric'));
    for (const m of METRICS) {
      if (m.better === 'lower') continue;
      expect(section, m.key).toContain(`\`${m.key}\``);
    }
    for (const [sense, word] of [
      ['higher', '**higher**'],
      ['mustBeZero', '**must be zero**'],
      ['neutral', '**neutral**'],
    ] as const) {
      const keys = METRICS.filter((m) => m.better === sense).map((m) => m.key);
      const paragraph = section.slice(section.indexOf(word));
      for (const key of keys) expect(paragraph.indexOf(`\`${key}\``), `${key} under ${word}`).toBeGreaterThan(0);
    }
  });

  it('marks the percentiles of latency summaries with their quantile, not the max or mean', () => {
    expect(metric('latency.p999').tail?.quantile).toBe(0.999);
    expect(metric('connect.p50').tail?.quantile).toBe(0.5);
    expect(metric('latency.max').tail).toBeUndefined();
    expect(metric('latency.mean').tail).toBeUndefined();
    expect(metricByKey('bandwidth.bytesPerEvent')?.tail).toBeUndefined();
  });
});

describe('figures and their spread', () => {
  it('a result measured once has an unknown spread', () => {
    const figure = figureOf(metric('latency.p50'), protocolResult('ws'));
    expect(figure.value).toBeGreaterThan(0);
    expect(figure.spread).toBeNull();
  });

  it('repetitions give the median as the value and min–max as the spread', () => {
    const result = repeated([1000, 3000, 2000]);
    const p50 = figureOf(metric('latency.p50'), result);
    const each = result.repetitions!.map((r) => r.latency.p50);
    expect(p50.value).toBe([...each].sort((a, b) => a - b)[1]);
    expect(p50.spread).toEqual({ min: Math.min(...each), max: Math.max(...each), repetitions: 3 });
    expect(p50.spread!.min).toBeLessThan(p50.value!);
    expect(p50.spread!.max).toBeGreaterThan(p50.value!);
  });

  it('marks a tail percentile that rests on fewer than FEW_TAIL_SAMPLES samples beyond it', () => {
    expect(FEW_TAIL_SAMPLES).toBe(20);
    expect(samplesBeyond(0.999, 19_800)).toBeCloseTo(19.8);
    // The fixture's latency summary holds 1,000 samples: p99.9 rests on 1, p99 on 10, p90 on 100.
    const result = protocolResult('ws');
    expect(figureOf(metric('latency.p999'), result)).toMatchObject({ fewSamples: true });
    expect(figureOf(metric('latency.p999'), result).samplesBeyond).toBeCloseTo(1);
    expect(figureOf(metric('latency.p99'), result).fewSamples).toBe(true);
    expect(figureOf(metric('latency.p90'), result).fewSamples).toBe(false);
    expect(figureOf(metric('latency.max'), result)).toMatchObject({ fewSamples: false, samplesBeyond: null });
    // A figure that was not measured is not marked.
    expect(figureOf(metric('ping.p999'), result)).toMatchObject({ value: null, fewSamples: false });
  });
});

describe('judging a change', () => {
  it('overlapping spreads are within noise, whatever the change', () => {
    expect(spreadsOverlap({ min: 1, max: 5, repetitions: 3 }, { min: 5, max: 9, repetitions: 3 })).toBe(true);
    expect(spreadsOverlap({ min: 1, max: 4.9, repetitions: 3 }, { min: 5, max: 9, repetitions: 3 })).toBe(false);
    expect(judge(spread(100, 80, 400), spread(300, 150, 900), 'lower')).toMatchObject({
      verdict: 'within-noise',
      changePercent: 200,
      spreadKnown: true,
    });
  });

  it("apart spreads are better or worse by the metric's own sense", () => {
    expect(judge(spread(100, 90, 110), spread(200, 180, 220), 'lower').verdict).toBe('worse');
    expect(judge(spread(200, 180, 220), spread(100, 90, 110), 'lower').verdict).toBe('better');
    expect(judge(spread(100, 90, 110), spread(200, 180, 220), 'higher').verdict).toBe('better');
    expect(judge(spread(100, 90, 110), spread(200, 180, 220), 'neutral').verdict).toBe('changed');
    expect(judge(spread(0, 0, 0), spread(3, 2, 4), 'mustBeZero')).toMatchObject({
      verdict: 'worse',
      changePercent: Number.POSITIVE_INFINITY,
    });
  });

  it('with one repetition the direction is given but the spread is unknown', () => {
    expect(judge(single(100), single(200), 'lower')).toEqual({ verdict: 'worse', changePercent: 100, spreadKnown: false });
    expect(judge(spread(100, 90, 110), single(200), 'lower')).toMatchObject({ verdict: 'worse', spreadKnown: false });
  });

  it('no change, and a missing side, say so', () => {
    expect(judge(single(0), single(0), 'mustBeZero').verdict).toBe('same');
    expect(judge(single(1000), single(1000.1), 'lower').verdict).toBe('same');
    expect(judge(single(null), single(5), 'lower')).toMatchObject({ verdict: 'missing', changePercent: null });
    expect(changePercent(200, 150)).toBe(-25);
    expect(changePercent(0, -1)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('between the protocols of one run: the best, those within its noise, and those behind', () => {
    expect(standings([spread(100, 90, 120), spread(110, 100, 130), spread(300, 250, 350), single(null)], 'lower')).toEqual([
      'best',
      'within-noise',
      'behind',
      'none',
    ]);
    expect(standings([single(100), single(110)], 'lower')).toEqual(['best', 'behind']);
    expect(standings([single(100), single(110)], 'higher')).toEqual(['behind', 'best']);
    expect(standings([single(100), single(110)], 'neutral')).toEqual(['none', 'none']);
    expect(standings([single(100)], 'lower')).toEqual(['none']);
    expect(standings([single(0), single(0), single(null)], 'mustBeZero')).toEqual(['none', 'none', 'none']);
  });
});

describe('figures below their resolution', () => {
  it('are within noise of each other whatever their spreads, and a figure above it is judged as usual', async () => {
    const { judge, belowResolution } = await import('../../../bench/report/noise.js');
    const figure = (value: number, min: number, max: number) => ({
      value,
      spread: { min, max, repetitions: 3 },
      samplesBeyond: null,
      fewSamples: false,
      resolution: 5000,
    });
    expect(belowResolution(figure(1310, 0, 1310))).toBe(true);
    expect(judge(figure(0, 0, 0), figure(1310, 1000, 1500), 'lower').verdict).toBe('within-noise');
    expect(judge(figure(0, 0, 0), figure(9000, 8000, 9500), 'lower').verdict).toBe('worse');
  });
});
