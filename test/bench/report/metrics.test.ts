import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, findMetric } from '../../../bench/report/metrics.js';

describe('METRICS', () => {
  it('has unique keys, each documented in docs/metrics-harness.md', () => {
    const doc = readFileSync(new URL('../../../docs/metrics-harness.md', import.meta.url), 'utf8');
    expect(new Set(METRICS.map((m) => m.key)).size).toBe(METRICS.length);
    for (const metric of METRICS) expect(doc, metric.key).toContain(`| \`${metric.key}\` |`);
  });

  it('finds the table’s short names', () => {
    expect(findMetric('latency.p99.9')?.key).toBe('latency.p999');
    expect(findMetric('nope')).toBeUndefined();
  });
});
