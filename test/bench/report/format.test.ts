import { describe, expect, it } from 'vitest';
import {
  formatAxisMs,
  formatBytes,
  formatCount,
  formatChange,
  formatDurationMs,
  formatMetric,
  formatMicros,
  formatPercent,
  formatPerSecond,
  formatRatio,
  NOT_MEASURED,
} from '../../../bench/report/format.js';

describe('the one formatter', () => {
  it('writes times in µs, ms or s with three significant digits, the unit right after the number', () => {
    expect(formatMicros(850)).toBe('850µs');
    expect(formatMicros(1234)).toBe('1.23ms');
    expect(formatMicros(45_600)).toBe('45.6ms');
    expect(formatMicros(2_500_000)).toBe('2.50s');
    expect(formatMetric(0.42, 'ms')).toBe('420µs');
    expect(formatAxisMs(0.5)).toBe('0.5ms');
    expect(formatAxisMs(1000)).toBe('1,000ms');
  });

  it('writes bytes in SI units, as network tools count them', () => {
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1500)).toBe('1.50kB');
    expect(formatBytes(300_000)).toBe('300kB');
    expect(formatBytes(94_200_000)).toBe('94.2MB');
    // The figure the terminal once printed as 106MB and the results view as 101.2 MiB.
    expect(formatBytes(106_123_456)).toBe('106MB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.15MB');
  });

  it('writes counts, rates, shares and ratios', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatPerSecond(11_326.6)).toBe('11,327/s');
    expect(formatPercent(98.4)).toBe('98%');
    expect(formatPercent(4.52)).toBe('4.5%');
    expect(formatRatio(0.1094)).toBe('0.109');
    expect(formatRatio(0)).toBe('0');
    // One request (a WebSocket's upgrade) per 20,000 events is not 0.
    expect(formatRatio(0.00005)).toBe('0.00005');
    expect(formatRatio(0.00421)).toBe('0.0042');
  });

  it('shows what was not measured as a dash, whatever the unit', () => {
    for (const unit of ['us', 'ms', 'bytes', 'count', 'ratio', 'percent', 'per-second'] as const) {
      expect(formatMetric(null, unit)).toBe(NOT_MEASURED);
      expect(formatMetric(Number.NaN, unit)).toBe(NOT_MEASURED);
    }
    expect(formatMicros(undefined)).toBe(NOT_MEASURED);
  });

  it('writes durations of settings as the command line takes them', () => {
    expect(formatDurationMs(500)).toBe('500ms');
    expect(formatDurationMs(10_000)).toBe('10s');
    expect(formatDurationMs(1500)).toBe('1.5s');
    expect(formatDurationMs(90_000)).toBe('1m30s');
  });

  it('writes a change between runs the same way in the terminal and the dashboard', () => {
    expect(formatChange(12.345)).toBe('+12.3%');
    expect(formatChange(-4)).toBe('−4.0%');
    expect(formatChange(0.01)).toBe('±0%');
    expect(formatChange(1250)).toBe('+1,250%');
    expect(formatChange(Number.POSITIVE_INFINITY)).toBe('from 0');
    expect(formatChange(null)).toBe(NOT_MEASURED);
  });
});

describe('formatFigure', () => {
  it('writes a value under its resolution as "below resolution", with the resolution', async () => {
    const { formatFigure } = await import('../../../bench/report/format.js');
    expect(formatFigure(0, 'bytes', 1049)).toBe('<1.05kB below resolution');
    expect(formatFigure(2000, 'bytes', 1049)).toBe('2.00kB');
    expect(formatFigure(0, 'bytes')).toBe('0B');
    expect(formatFigure(null, 'bytes', 1049)).toBe('–');
  });
});
