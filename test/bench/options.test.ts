import { describe, expect, it } from 'vitest';
import { BENCH_DEFAULTS } from '../../bench/defaults.js';
import { BenchOptionError } from '../../bench/option-error.js';
import { recordedOptions, resolveBenchOptions } from '../../bench/options.js';

function refusal(run: () => unknown): BenchOptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BenchOptionError);
    return error as BenchOptionError;
  }
  throw new Error('expected a BenchOptionError');
}

describe('resolveBenchOptions', () => {
  it('fills every default from BENCH_DEFAULTS and freezes the result', () => {
    const options = resolveBenchOptions();
    expect(options.clients).toBe(BENCH_DEFAULTS.clients);
    expect(options.protocols).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    expect(options.scenario).toBe('broadcast');
    expect(options.durationMs).toBe(BENCH_DEFAULTS.durationMs);
    expect(options.workers).toBeGreaterThanOrEqual(1);
    expect(options.thresholds.length).toBeGreaterThan(0);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('keeps 0 where 0 is allowed (no `|| default`)', () => {
    const options = resolveBenchOptions({ warmupMs: 0, rate: 0, idleMs: 0, capacityDurationMs: 0, thresholds: [] });
    expect(options.warmupMs).toBe(0);
    expect(options.rate).toBe(0);
    expect(options.idleMs).toBe(0);
    expect(options.capacityDurationMs).toBe(0);
    expect(options.thresholds).toEqual([]);
  });

  it.each([
    [{ clients: 0 }, '--clients', '0'],
    [{ clients: 1.5 }, '--clients', '1.5'],
    [{ durationMs: 10 }, '--duration', '10'],
    [{ rate: -1 }, '--rate', '-1'],
    [{ payload: 10_000_000 }, '--payload', '10000000'],
    [{ workers: 0 }, '--workers', '0'],
    [{ pollIntervalMs: 1 }, '--poll-interval', '1'],
  ])('refuses %o naming %s and the value', (input, flag, value) => {
    const error = refusal(() => resolveBenchOptions(input));
    expect(error.option).toBe(flag);
    expect(error.message).toContain(flag);
    expect(error.message).toContain(value);
    expect(error.code).toBe('WL_BAD_OPTION');
  });

  it('refuses unknown and repeated protocols', () => {
    expect(refusal(() => resolveBenchOptions({ protocols: ['ws', 'carrier-pigeon' as never] })).message).toMatch(/--protocols.*carrier-pigeon/);
    expect(refusal(() => resolveBenchOptions({ protocols: ['ws', 'ws'] })).message).toMatch(/--protocols.*twice/);
    expect(refusal(() => resolveBenchOptions({ protocols: [] })).option).toBe('--protocols');
  });

  it('knows the scenarios and keeps "reconnect" reserved', () => {
    expect(resolveBenchOptions({ scenario: 'ping' }).scenario).toBe('ping');
    expect(refusal(() => resolveBenchOptions({ scenario: 'soak' as never })).message).toMatch(/--scenario.*soak/);
    expect(refusal(() => resolveBenchOptions({ scenario: 'reconnect' })).message).toMatch(/--scenario "reconnect" is reserved/);
  });

  it('checks --target and wants its control token', () => {
    expect(refusal(() => resolveBenchOptions({ target: 'not a url' })).option).toBe('--target');
    expect(refusal(() => resolveBenchOptions({ target: 'https://example.com' })).message).toMatch(/http:\/\//);
    expect(refusal(() => resolveBenchOptions({ target: 'http://127.0.0.1:3000/ws' })).message).toMatch(/without path/);
    expect(refusal(() => resolveBenchOptions({ target: 'http://127.0.0.1:3000' })).message).toMatch(/--control-token/);
    expect(resolveBenchOptions({ target: 'http://127.0.0.1:3000/', controlToken: 't' }).target).toBe('http://127.0.0.1:3000');
  });

  it('checks thresholds and reconnect settings', () => {
    expect(refusal(() => resolveBenchOptions({ thresholds: ['ws.latency.p99 fast'] })).option).toBe('--threshold');
    expect(refusal(() => resolveBenchOptions({ reconnect: { jitter: 1.5 } })).option).toBe('--jitter');
    expect(refusal(() => resolveBenchOptions({ reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 } })).option).toBe('--backoff-initial');
  });

  it('never records the control token', () => {
    const recorded = recordedOptions(resolveBenchOptions({ target: 'http://127.0.0.1:3000', controlToken: 'secret' }));
    expect(JSON.stringify(recorded)).not.toContain('secret');
    expect(recorded).not.toHaveProperty('writeFiles');
  });
});
