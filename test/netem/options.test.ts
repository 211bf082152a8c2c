import { describe, expect, it } from 'vitest';
import { OptionError } from '../../wire/errors.js';
import { needsProxy, parseBandwidth, parseLossPercent, parseNetDuration, parseNetFlags } from '../../netem/options.js';

function refusal(run: () => unknown): OptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error('expected an OptionError');
}

describe('net option parsing', () => {
  it.each([
    ['50ms', 50],
    ['1s', 1000],
    ['1.5s', 1500],
    ['250us', 0.25],
    [' 30s ', 30_000],
    ['0', 0],
  ])('reads the duration %j as %d ms', (text, ms) => {
    expect(parseNetDuration('--net-latency', text)).toBe(ms);
  });

  it.each([
    ['1mbit', 1e6],
    ['500kbit', 500_000],
    ['1.5gbit', 1.5e9],
    ['64000bit', 64_000],
    ['10MBIT', 1e7],
  ])('reads the rate %j as %d bit/s', (text, bits) => {
    expect(parseBandwidth('--net-bandwidth', text)).toBe(bits);
  });

  it.each([
    ['1%', 1],
    ['0.5%', 0.5],
    ['0.01', 1],
    ['0', 0],
  ])('reads the loss %j as %d%%', (text, percent) => {
    expect(parseLossPercent('--net-loss', text)).toBeCloseTo(percent, 10);
  });

  it.each([
    ['--net-latency', () => parseNetDuration('--net-latency', 'fast'), 'fast', /duration with a unit/],
    ['--net-latency', () => parseNetDuration('--net-latency', '50'), '50', /duration with a unit/],
    ['--net-latency', () => parseNetDuration('--net-latency', '-5ms'), '-5ms', /duration/],
    ['--net-latency', () => parseNetDuration('--net-latency', '2h'), '2h', /duration/],
    ['--net-reset-every', () => parseNetDuration('--net-reset-every', '11m'), '11m', /at most 10 minutes/],
    ['--net-latency', () => parseNetDuration('--net-latency', '700s'), '700s', /at most 10 minutes/],
    ['--net-bandwidth', () => parseBandwidth('--net-bandwidth', '1mbps'), '1mbps', /ambiguous.*bytes per second/],
    ['--net-bandwidth', () => parseBandwidth('--net-bandwidth', '1mb'), '1mb', /rate in bits/],
    ['--net-bandwidth', () => parseBandwidth('--net-bandwidth', '500bit'), '500bit', /at least 1kbit/],
    ['--net-bandwidth', () => parseBandwidth('--net-bandwidth', ''), '', /rate in bits/],
    ['--net-loss', () => parseLossPercent('--net-loss', '5'), '5', /fraction.*5%/],
    ['--net-loss', () => parseLossPercent('--net-loss', '100%'), '100%', /below 100%/],
    ['--net-loss', () => parseLossPercent('--net-loss', 'some'), 'some', /percentage/],
  ])('%s refuses %#, naming the flag and the value', (flag, run, value, message) => {
    const error = refusal(run);
    expect(error.option).toBe(flag);
    expect(error.value).toBe(value);
    expect(error.code).toBe('WL_BAD_OPTION');
    expect(error.message).toContain(`bad option: ${flag} `);
    expect(error.message).toMatch(message);
  });

  it('turns the harness flags into faults, with defaults for what is absent', () => {
    const faults = parseNetFlags({ netLatency: '50ms', netJitter: '10ms', netBandwidth: '1mbit', netResetEvery: '30s' });
    expect(faults).toEqual({
      latencyMs: 50,
      jitterMs: 10,
      bandwidthBitsPerSecond: 1e6,
      bandwidthScope: 'connection',
      resetEveryMs: 30_000,
      lossPercent: null,
    });
    expect(needsProxy(faults)).toBe(true);
    const lossOnly = parseNetFlags({ netLoss: '1%', netBandwidthScope: 'shared' });
    expect(lossOnly).toMatchObject({ lossPercent: 1, bandwidthScope: 'shared', latencyMs: 0 });
    expect(needsProxy(lossOnly)).toBe(false);
  });

  it('refuses combinations that cannot be honoured', () => {
    const jitter = refusal(() => parseNetFlags({ netLatency: '10ms', netJitter: '20ms' }));
    expect(jitter.option).toBe('--net-jitter');
    expect(jitter.message).toMatch(/must not exceed --net-latency/);
    expect(refusal(() => parseNetFlags({ netResetEvery: '50ms' })).option).toBe('--net-reset-every');
    expect(refusal(() => parseNetFlags({ netBandwidthScope: 'global' })).message).toMatch(/"connection".*"shared"/);
  });
});
