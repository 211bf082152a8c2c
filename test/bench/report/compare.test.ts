import { describe, expect, it } from 'vitest';
import { findMetric } from '../../../bench/report/metrics.js';
import { recordedOptions, resolveBenchOptions } from '../../../bench/options.js';
import { byTime, compareResults, defaultGateMetrics, regressions, selectMetrics } from '../../../bench/report/compare.js';
import { comparisonToJson, formatComparison, formatFigure } from '../../../bench/cli/compare-text.js';
import { formatChange } from '../../../bench/report/format.js';
import { combineRepetitions } from '../../../bench/report/repetitions.js';
import type { BenchResult } from '../../../bench/report/types.js';
import { benchResult, protocolResult } from '../fixture.js';

const row = (comparison: ReturnType<typeof compareResults>, key: string, protocol = 'ws') =>
  comparison.rows.find((r) => r.metric.key === key && r.protocol === protocol)!;

describe('comparing two runs', () => {
  const older = benchResult([protocolResult('ws', {}, 1000), protocolResult('sse', {}, 1000)], {
    id: 'older',
    startedAt: '2025-11-25T10:00:00.000Z',
  });
  const newer = benchResult([protocolResult('sse', {}, 3000), protocolResult('ws', {}, 1000), protocolResult('long-poll')], {
    id: 'newer',
    startedAt: '2025-11-25T11:00:00.000Z',
  });

  it('pairs the protocols both runs measured and names the rest', () => {
    const comparison = compareResults(older, newer);
    expect(comparison.protocols).toEqual(['ws', 'sse']);
    expect(comparison.onlyInOther).toEqual(['long-poll']);
    expect(comparison.onlyInBase).toEqual([]);
    expect(comparison.base).toEqual({ id: 'older', startedAt: older.startedAt, repetitions: 1 });
  });

  it("says worse by the metric's sense, spread unknown with one repetition", () => {
    const comparison = compareResults(older, newer);
    expect(row(comparison, 'latency.p50', 'sse').judgement).toMatchObject({ verdict: 'worse', spreadKnown: false });
    expect(row(comparison, 'latency.p50', 'sse').judgement.changePercent).toBeCloseTo(200, 0);
    expect(row(comparison, 'latency.p50', 'ws').judgement.verdict).toBe('same');
    expect(row(comparison, 'delivery.expected').judgement.verdict).toBe('same');
    // Not measured in either run: no row.
    expect(comparison.rows.some((r) => r.metric.key === 'ping.p50')).toBe(false);
  });

  it('orders runs by their start, older first, whatever order they were given in', () => {
    expect(byTime([newer, older]).map((r) => r.id)).toEqual(['older', 'newer']);
    expect(byTime([older, newer]).map((r) => r.id)).toEqual(['older', 'newer']);
    const sameStart = { ...newer, id: 'b', startedAt: older.startedAt };
    expect(byTime([sameStart, { ...older, id: 'a' }]).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('gates on chosen metrics that got worse beyond the threshold, outside the noise', () => {
    const comparison = compareResults(older, newer);
    expect(regressions(comparison, 10).map((r) => `${r.protocol} ${r.metric.key}`)).toContain('sse latency.p50');
    expect(regressions(comparison, 500)).toEqual([]);
    expect(regressions(comparison, 10, [findMetric('latency.p50')!]).map((r) => `${r.protocol} ${r.metric.key}`)).toEqual([
      'sse latency.p50',
    ]);
    expect(regressions(comparison, 10, [findMetric('bandwidth.bytesPerEvent')!])).toEqual([]);
    expect(defaultGateMetrics().every((m) => m.inTable && m.better !== 'neutral')).toBe(true);
  });

  it('a regression inside overlapping spreads is within noise and does not gate', () => {
    const a = benchResult([combineRepetitions([1000, 1400, 3000].map((us) => protocolResult('ws', {}, us)))]);
    const b = benchResult([combineRepetitions([1500, 2900, 4000].map((us) => protocolResult('ws', {}, us)))]);
    const comparison = compareResults(a, b);
    expect(comparison.base.repetitions).toBe(3);
    const p50 = row(comparison, 'latency.p50');
    expect(p50.judgement).toMatchObject({ verdict: 'within-noise', spreadKnown: true });
    expect(p50.judgement.changePercent).toBeGreaterThan(10);
    expect(regressions(comparison, 10, [findMetric('latency.p50')!])).toEqual([]);
    // Apart spreads: a real regression.
    const c = benchResult([combineRepetitions([9000, 9500, 9900].map((us) => protocolResult('ws', {}, us)))]);
    expect(row(compareResults(a, c), 'latency.p50').judgement).toMatchObject({ verdict: 'worse', spreadKnown: true });
  });

  it('a failure count leaving zero always gates', () => {
    const missed = protocolResult('ws');
    missed.delivery = { ...missed.delivery, delivered: 995, missed: 5 };
    const comparison = compareResults(benchResult([protocolResult('ws')]), benchResult([missed]));
    expect(row(comparison, 'delivery.missed').judgement).toMatchObject({ verdict: 'worse', changePercent: Number.POSITIVE_INFINITY });
    expect(regressions(comparison, 1000).map((r) => r.metric.key)).toContain('delivery.missed');
  });

  it('names settings that differ', () => {
    const slow: BenchResult = { ...newer, options: recordedOptions(resolveBenchOptions({ clients: 20, network: { latencyMs: 20 } })) };
    expect(compareResults(older, slow).settingsDiffer).toEqual(['clients 10 → 20', 'network none → +20ms one-way']);
    expect(compareResults(older, older).settingsDiffer).toEqual([]);
  });

  it("says when the load generator was busier in one run: a change there may be the machine's", () => {
    const waiting = (protocol: 'ws' | 'sse', runQueue: number[], saturated = false) =>
      combineRepetitions(
        runQueue.map((wait) => {
          const result = protocolResult(protocol);
          return { ...result, generator: { ...result.generator, runQueueWaitPercent: wait, saturated } };
        }),
      );
    const quiet = benchResult([waiting('ws', [4, 4.4, 5]), waiting('sse', [5, 6, 7])]);
    const busy = benchResult([waiting('ws', [7.6, 7.9, 9.9]), waiting('sse', [5.5, 6, 8], true)]);
    const comparison = compareResults(quiet, busy);
    expect(comparison.machineDiffers).toEqual([
      'ws: the load generator waited for a CPU 4.4% → 7.9% of the window (the machine was busier in B)',
      'sse: the load generator was saturated in B only',
    ]);
    expect(compareResults(quiet, quiet).machineDiffers).toEqual([]);
    // Measured once: a small move is not named, a large one is.
    const once = (wait: number) => benchResult([waiting('ws', [wait])]);
    expect(compareResults(once(1.8), once(2.7)).machineDiffers).toEqual([]);
    expect(compareResults(once(4), once(41)).machineDiffers).toEqual([
      'ws: the load generator waited for a CPU 4.0% → 41% of the window (the machine was busier in B)',
    ]);
    expect(formatComparison(comparison)).toContain('machine differs: ws: the load generator waited for a CPU 4.4% → 7.9%');
  });

  it("selects metrics by key, by the table's short names and by family", () => {
    expect(selectMetrics(['latency.p99.9']).metrics.map((m) => m.key)).toEqual(['latency.p999']);
    expect(selectMetrics(['bandwidth']).metrics.length).toBeGreaterThan(5);
    expect(selectMetrics(['latency.p99', 'nonsense', 'lat']).unknown).toEqual(['nonsense', 'lat']);
  });
});

describe('comparison as text and JSON', () => {
  it('shows spreads, the change and the verdict per metric and protocol', () => {
    const a = benchResult([combineRepetitions([1000, 1200].map((us) => protocolResult('ws', {}, us)))], { id: 'run-a' });
    const b = benchResult([protocolResult('ws', {}, 5000)], { id: 'run-b' });
    const comparison = compareResults(a, b);
    const text = formatComparison(comparison, {
      gate: { failOnPercent: 10, metricKeys: ['latency.p50'], regressions: regressions(comparison, 10, [findMetric('latency.p50')!]) },
    });
    expect(text).toContain('A run-a');
    expect(text).toContain('2 repetitions per protocol');
    expect(text).toMatch(/one repetition in a run: its spread is unknown/);
    expect(text).toMatch(/latency p50\s+ws\s+\S+ \[\S+–\S+\]\s+\S+\s+\+\d[\d,.]*%\s+worse, spread unknown/);
    expect(text).toMatch(/latency p99\.9 +ws +[^\n]*†/);
    expect(text).toContain('† a tail percentile resting on fewer than 20 samples');
    expect(text).toMatch(/FAIL 1 regression beyond 10% outside the noise \(gating on latency\.p50\)/);
    const json = comparisonToJson(comparison) as { rows: Array<{ metric: string; verdict: string; a: { spread: unknown } }> };
    expect(json.rows.find((r) => r.metric === 'latency.p50')).toMatchObject({ verdict: 'worse', a: { spread: { repetitions: 2 } } });
  });

  it('formats changes and figures', () => {
    expect(formatChange(12.345)).toBe('+12.3%');
    expect(formatChange(-4)).toBe('−4.0%');
    expect(formatChange(0.01)).toBe('±0%');
    expect(formatChange(4417.2)).toBe('+4,417%');
    expect(formatChange(Number.POSITIVE_INFINITY)).toBe('from 0');
    expect(formatChange(null)).toBe('–');
    expect(formatFigure({ value: 1500, spread: { min: 1200, max: 1900, repetitions: 3 }, samplesBeyond: 5, fewSamples: true }, 'us')).toBe(
      '1.50ms [1.20ms–1.90ms]†',
    );
    expect(formatFigure({ value: null, spread: null, samplesBeyond: null, fewSamples: false }, 'bytes')).toBe('–');
  });
});
