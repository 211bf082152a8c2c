import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, findMetric } from '../../../bench/report/metrics.js';

describe('METRICS', () => {
  it('has unique keys, each documented in docs/metrics-harness.md', () => {
    const doc = readFileSync(new URL('../../../docs/metrics-harness.md', import.meta.url), 'utf8');
    expect(new Set(METRICS.map((m) => m.key)).size).toBe(METRICS.length);
    for (const metric of METRICS) expect(doc, metric.key).toContain(`| \`${metric.key}\` |`);
  });

  it('says for each metric which way is good, as docs/metrics-harness.md does', () => {
    const doc = readFileSync(new URL('../../../docs/metrics-harness.md', import.meta.url), 'utf8');
    for (const metric of METRICS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${metric.key}\` |`)) ?? '';
      expect(row.split(' | ')[5], metric.key).toBe(metric.mustBeZero ? '0' : metric.better);
    }
    expect(METRICS.filter((m) => m.mustBeZero).map((m) => m.key)).toEqual(['delivery.missed', 'delivery.duplicated', 'delivery.outOfOrder', 'reconnect.notRecovered', 'reconnect.missedInOutage', 'net.control.missed']);
    expect(findMetric('bandwidth.efficiency')?.better).toBe('higher');
    expect(findMetric('latency.p99')?.better).toBe('lower');
  });

  it('finds the table’s short names', () => {
    expect(findMetric('latency.p99.9')?.key).toBe('latency.p999');
    expect(findMetric('nope')).toBeUndefined();
  });
});
