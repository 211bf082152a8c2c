import { describe, expect, it } from 'vitest';
import { recordedOptions, resolveBenchOptions, type BenchOptions } from '../../../bench/options.js';
import { OptionError } from '../../../wire/errors.js';

function refusal(input: BenchOptions): OptionError {
  try {
    resolveBenchOptions(input);
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('scale-out options', () => {
  it("keeps today's run when neither --servers nor --broker is given, and with --servers 1", () => {
    expect(resolveBenchOptions({}).scaleOut).toBeNull();
    expect(resolveBenchOptions({ servers: 1 }).scaleOut).toBeNull();
  });

  it('scenario failover: a recovery limit per protocol from the promised timings, a polled protocol given its interval', () => {
    const limits = (pollIntervalMs?: number): string[] =>
      resolveBenchOptions({
        servers: 2,
        broker: 'redis',
        scenario: 'failover',
        ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
      }).thresholds.filter((threshold) => threshold.includes('recovery'));
    expect(limits()).toEqual([
      'ws.reconnect.recovery.p99<2000ms',
      'sse.reconnect.recovery.p99<2000ms',
      'long-poll.reconnect.recovery.p99<2000ms',
      'short-poll.reconnect.recovery.p99<2000ms',
    ]);
    // A short poll learns of the kill at its next request: one interval, then the connect promise.
    expect(limits(3000)).toContain('short-poll.reconnect.recovery.p99<3500ms');
    expect(limits(3000)).toContain('ws.reconnect.recovery.p99<2000ms');
  });

  it('resolves --servers with --broker, hiding a password in what is recorded but keeping it for the instances', () => {
    const options = resolveBenchOptions({ servers: 3, broker: 'redis://user:secret@127.0.0.1:6390/2' });
    expect(options.scaleOut).toEqual({ servers: 3, broker: 'redis://user:***@127.0.0.1:6390/2' });
    expect(options.brokerUrl).toBe('redis://user:secret@127.0.0.1:6390/2');
    expect(JSON.stringify(recordedOptions(options))).not.toContain('secret');
    expect(resolveBenchOptions({ servers: 2, broker: 'redis' }).scaleOut).toEqual({ servers: 2, broker: 'redis' });
  });

  it.each<[BenchOptions, string, RegExp]>([
    [{ servers: 2 }, '--servers', /2 instances need --broker/],
    [{ servers: 0, broker: 'redis' }, '--servers', /from 1 to 16, got 0/],
    [{ servers: 1.5, broker: 'redis' }, '--servers', /got 1.5/],
    [{ broker: 'http://127.0.0.1:6379' }, '--broker', /"http:"/],
    [{ broker: 'nonsense' }, '--broker', /"nonsense"/],
    [{ broker: 'redis://127.0.0.1:6379/0/extra' }, '--broker', /nothing after the database number/],
    [{ broker: 'redis', target: 'http://127.0.0.1:3000', controlToken: 't' }, '--broker', /cannot be used with --target/],
    [{ broker: 'redis', network: { latencyMs: 10 } }, '--broker', /--net-\*/],
    [{ broker: 'redis', scenario: 'reconnect', restart: true }, '--restart', /--scenario failover/],
    [{ brokerRestart: true, scenario: 'failover' }, '--broker-restart', /needs --broker redis/],
    [
      { broker: 'redis://127.0.0.1:6379', servers: 2, scenario: 'failover', brokerRestart: true },
      '--broker-restart',
      /restarts the Redis the harness starts/,
    ],
    [{ servers: 2, broker: 'redis', brokerRestart: true }, '--broker-restart', /only applies to --scenario failover/],
    [{ scenario: 'failover' }, '--scenario', /needs --servers 2 or more with --broker, got 1 server/],
    [{ scenario: 'failover', broker: 'redis' }, '--scenario', /needs --servers 2 or more/],
    [{ scenario: 'failover', servers: 2, broker: 'redis', dropAtMs: [1000] }, '--drop-at', /only applies to --scenario reconnect/],
    [{ compareEmbedded: true }, '--compare-embedded', /give --broker/],
  ])('refuses %j naming %s', (input, flag, message) => {
    const error = refusal(input);
    expect(error.option).toBe(flag);
    expect(error.message).toMatch(message);
  });

  it('plans scenario failover as one instance kill at 40% of its 20 s window, or a Redis restart with --broker-restart', () => {
    const failover = resolveBenchOptions({ scenario: 'failover', servers: 2, broker: 'redis' });
    expect(failover.durationMs).toBe(20_000);
    expect(failover.drops).toEqual({ atMs: [8000], restart: false, brokerRestart: false });
    const restart = resolveBenchOptions({ scenario: 'failover', servers: 2, broker: 'redis', brokerRestart: true });
    expect(restart.drops.brokerRestart).toBe(true);
  });
});
