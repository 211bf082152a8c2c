import { describe, expect, it } from 'vitest';
import { BENCH_DEFAULTS } from '../../bench/defaults.js';
import { OptionError } from '../../wire/errors.js';
import { recordedOptions, resolveBenchOptions } from '../../bench/options.js';

function refusal(run: () => unknown): OptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    return error as OptionError;
  }
  throw new Error('expected an OptionError');
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
    [{ durationMs: 10 }, '--duration', '0.01s'],
    [{ rate: -1 }, '--rate', '-1'],
    [{ payload: 10_000_000 }, '--payload', '10,000,000 bytes'],
    [{ workers: 0 }, '--workers', '0'],
    [{ pollIntervalMs: 1 }, '--poll-interval', '1ms'],
    [{ repeat: 0 }, '--repeat', '0'],
  ])('refuses %o naming %s and the value', (input, flag, value) => {
    const error = refusal(() => resolveBenchOptions(input));
    expect(error.option).toBe(flag);
    expect(error.message).toContain(flag);
    expect(error.message).toContain(value);
    expect(error.code).toBe('WL_BAD_OPTION');
  });

  it('says a range in the unit the flag is typed in, not the internal milliseconds or bytes', () => {
    expect(refusal(() => resolveBenchOptions({ durationMs: 0 })).message).toBe(
      'bad option: --duration must be from 0.1s to 86400s, got 0s',
    );
    expect(refusal(() => resolveBenchOptions({ payload: 2 * 1024 * 1024 })).message).toBe(
      'bad option: --payload must be from 0 bytes to 1,048,576 bytes, got 2,097,152 bytes',
    );
    expect(refusal(() => resolveBenchOptions({ pollIntervalMs: 5 })).message).toBe(
      'bad option: --poll-interval must be from 10ms to 3600000ms, got 5ms',
    );
    expect(refusal(() => resolveBenchOptions({ clients: 1.5 })).message).toBe('bad option: --clients must be a whole number, got 1.5');
  });

  it('refuses unknown and repeated protocols', () => {
    expect(refusal(() => resolveBenchOptions({ protocols: ['ws', 'carrier-pigeon' as never] })).message).toMatch(
      /--protocols.*carrier-pigeon/,
    );
    expect(refusal(() => resolveBenchOptions({ protocols: ['ws', 'ws'] })).message).toMatch(/--protocols.*twice/);
    expect(refusal(() => resolveBenchOptions({ protocols: [] })).option).toBe('--protocols');
  });

  it('knows the scenarios', () => {
    expect(resolveBenchOptions({ scenario: 'ping' }).scenario).toBe('ping');
    expect(refusal(() => resolveBenchOptions({ scenario: 'soak' as never })).message).toMatch(/--scenario.*soak/);
  });

  it('gives scenario reconnect its own defaults: a longer window, two drops, no idle or capacity phase, recovery thresholds', () => {
    const options = resolveBenchOptions({ scenario: 'reconnect' });
    expect(options).toMatchObject({
      durationMs: 20_000,
      idleMs: 0,
      capacityDurationMs: 0,
      drops: { atMs: [5000, 12_000], restart: false },
    });
    expect(options.thresholds).toContain('*.reconnect.recovery.p99<2s');
    expect(options.thresholds.some((t) => t.includes('latency'))).toBe(false);
    // The shares follow the window; what the user sets wins.
    expect(resolveBenchOptions({ scenario: 'reconnect', durationMs: 4000 }).drops.atMs).toEqual([1000, 2400]);
    expect(resolveBenchOptions({ scenario: 'reconnect', idleMs: 1000, dropEveryMs: 3000, durationMs: 10_000 })).toMatchObject({
      idleMs: 1000,
      drops: { atMs: [3000, 6000, 9000] },
    });
    expect(resolveBenchOptions({ scenario: 'reconnect', dropAtMs: [7000, 2000, 7000] }).drops.atMs).toEqual([2000, 7000]);
    expect(resolveBenchOptions().drops).toEqual({ atMs: [], restart: false });
  });

  it('refuses drops that cannot happen or do not apply', () => {
    expect(refusal(() => resolveBenchOptions({ dropAtMs: [5000] })).message).toMatch(/--drop-at only applies to --scenario reconnect/);
    expect(refusal(() => resolveBenchOptions({ restart: true })).option).toBe('--restart');
    expect(refusal(() => resolveBenchOptions({ scenario: 'reconnect', dropAtMs: [25_000] })).message).toMatch(
      /--drop-at .*inside the 20s window.*25000/,
    );
    expect(refusal(() => resolveBenchOptions({ scenario: 'reconnect', dropAtMs: [1000], dropEveryMs: 2000 })).message).toMatch(
      /exclude each other/,
    );
    expect(refusal(() => resolveBenchOptions({ scenario: 'reconnect', dropEveryMs: 100 })).message).toMatch(
      /--drop-every must be at least 500ms, got 100/,
    );
    expect(refusal(() => resolveBenchOptions({ scenario: 'reconnect', dropEveryMs: 20_000 })).option).toBe('--drop-every');
    expect(
      refusal(() => resolveBenchOptions({ scenario: 'reconnect', restart: true, target: 'http://127.0.0.1:3000', controlToken: 't' }))
        .message,
    ).toMatch(/--restart cannot restart the --target/);
  });

  it('checks the network faults together; none means null', () => {
    expect(resolveBenchOptions().network).toBeNull();
    expect(resolveBenchOptions({ network: { latencyMs: 0 } }).network).toBeNull();
    expect(resolveBenchOptions({ network: { latencyMs: 50, bandwidthBitsPerSecond: 1e6 } }).network).toEqual({
      latencyMs: 50,
      jitterMs: 0,
      bandwidthBitsPerSecond: 1e6,
      bandwidthScope: 'connection',
      resetEveryMs: null,
      lossPercent: null,
    });
    expect(refusal(() => resolveBenchOptions({ network: { latencyMs: 10, jitterMs: 20 } })).option).toBe('--net-jitter');
    expect(refusal(() => resolveBenchOptions({ network: { resetEveryMs: 30_000 } })).message).toMatch(
      /--net-reset-every \(30s\) would never fire.*10s/,
    );
    expect(refusal(() => resolveBenchOptions({ network: { bandwidthBitsPerSecond: 10 } })).option).toBe('--net-bandwidth');
    expect(
      refusal(() => resolveBenchOptions({ network: { lossPercent: 1 }, target: 'http://127.0.0.1:3000', controlToken: 't' })).message,
    ).toMatch(/--net-loss cannot be used with --target/);
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

  it('records the options a result file names, field by field: a new option does not reach result files by itself', () => {
    const resolved = resolveBenchOptions({ scenario: 'reconnect', network: { latencyMs: 5 } });
    const recorded = recordedOptions({ ...resolved, someNewOption: 42 } as typeof resolved);
    expect(Object.keys(recorded)).toEqual([
      'clients',
      'protocols',
      'scenario',
      'durationMs',
      'warmupMs',
      'rate',
      'payload',
      'pollIntervalMs',
      'longPollTimeoutMs',
      'pingIntervalMs',
      'idleMs',
      'repeat',
      'capacityDurationMs',
      'capacityConnections',
      'connectConcurrency',
      'connectTimeoutMs',
      'drainTimeoutMs',
      'target',
      'workers',
      'outDir',
      'thresholds',
      'reconnect',
      'drops',
      'network',
      'scaleOut',
      'compareEmbedded',
      'connectionsPerAddress',
    ]);
    // Scenario capacity records its search settings too.
    const capacity = recordedOptions(resolveBenchOptions({ scenario: 'capacity', sloP99Ms: 50, maxClients: 800 }));
    expect(capacity.capacitySearch).toEqual({ sloP99Ms: 50, resolution: 0.05, maxClients: 800, timeBudgetMs: 240_000 });
    expect(recorded).toMatchObject({
      scenario: 'reconnect',
      durationMs: 20_000,
      drops: { atMs: [5000, 12_000] },
      network: { latencyMs: 5 },
    });
  });

  it('never records the control token', () => {
    const recorded = recordedOptions(resolveBenchOptions({ target: 'http://127.0.0.1:3000', controlToken: 'secret' }));
    expect(JSON.stringify(recorded)).not.toContain('secret');
    expect(recorded).not.toHaveProperty('writeFiles');
  });

  it('refuses combinations of the run modes that are not built yet, naming the flag, instead of ignoring one of them', () => {
    const nchan = { target: 'http://127.0.0.1:8080', foreign: { preset: 'nchan' as const, channel: 'feed' } };
    const cases: Array<[Parameters<typeof resolveBenchOptions>[0], string, RegExp]> = [
      [{ ...nchan, servers: 2, broker: 'redis' }, '--broker', /foreign --target/],
      [{ ...nchan, repeat: 3 }, '--repeat', /foreign --target/],
      [{ ...nchan, agents: { count: 2, broker: 'redis://127.0.0.1:6379' } }, '--agents', /foreign --target/],
      [{ ...nchan, protocols: ['ws+deflate'] }, '--protocols', /ws\+deflate.*foreign target/],
      [{ scenario: 'hold', repeat: 2 }, '--repeat', /hold/],
      [{ servers: 2, broker: 'redis', compareEmbedded: true, repeat: 2 }, '--repeat', /--compare-embedded/],
      [{ scenario: 'capacity', agents: { count: 2, broker: 'redis://127.0.0.1:6379' } }, '--agents', /capacity/],
      [{ servers: 2, broker: 'redis', agents: { count: 2, broker: 'redis://127.0.0.1:6379' } }, '--broker', /Redis already running/],
      [{ servers: 2, broker: 'redis', protocols: ['sse/h2'] }, '--protocols', /sse\/h2.*--servers/],
      [{ target: 'http://127.0.0.1:3000', controlToken: 't', protocols: ['ws+deflate'] }, '--protocols', /--target/],
    ];
    for (const [input, flag, message] of cases) {
      const error = refusal(() => resolveBenchOptions(input));
      expect(error.option, JSON.stringify(input)).toBe(flag);
      expect(error.message).toMatch(message);
    }
  });
});
