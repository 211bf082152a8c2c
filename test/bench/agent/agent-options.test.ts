import { describe, expect, it } from 'vitest';
import { createProgram, parseCliArgs } from '../../../bench/cli/cli-args.js';
import { resolveBenchOptions } from '../../../bench/options.js';

const parse = (...argv: string[]) =>
  parseCliArgs(argv, {}, createProgram().configureOutput({ writeOut: () => undefined, writeErr: () => undefined }));

describe('--agents, --broker, --agent-timeout', () => {
  it('reads the agent count, the broker and the timeout (bare number = seconds)', () => {
    expect(parse('--agents', '2', '--broker', 'redis://10.0.0.5:6379', '--agent-timeout', '45').options.agents).toEqual({
      count: 2,
      broker: 'redis://10.0.0.5:6379',
      timeoutMs: 45_000,
    });
    expect(resolveBenchOptions(parse('--agents', '3', '--broker', 'redis://127.0.0.1:6379').options).agents).toEqual({
      count: 3,
      broker: 'redis://127.0.0.1:6379',
      timeoutMs: 30_000,
    });
    expect(resolveBenchOptions({}).agents).toBeNull();
  });

  it("refuses --agents without a broker, a timeout without --agents, and --agents beside --servers; a lone --broker is the instances' one", () => {
    expect(() => parse('--agents', '2')).toThrow('--agents needs --broker redis://host:port');
    expect(() => parse('--agents', '2', '--servers', '2', '--broker', 'redis://127.0.0.1:6379')).toThrow(
      '--agents cannot be combined with --servers yet',
    );
    const instances = parse('--servers', '2', '--broker', 'redis://127.0.0.1:6379').options;
    expect(instances.broker).toBe('redis://127.0.0.1:6379');
    expect(instances.agents).toBeUndefined();
    expect(parse('--agents', '2', '--broker', 'redis://127.0.0.1:6379').options.broker).toBeUndefined();
    expect(() => parse('--agent-timeout', '5s')).toThrow('--agent-timeout is only used with --agents N');
  });

  it('refuses a broker that is not redis://, and drops or faults, naming the flag', () => {
    expect(() => resolveBenchOptions({ agents: { count: 2, broker: 'http://127.0.0.1:6379' } })).toThrow(
      '--broker must be a redis:// URL, got "http://127.0.0.1:6379"',
    );
    expect(() => resolveBenchOptions({ agents: { count: 0, broker: 'redis://127.0.0.1:6379' } })).toThrow(
      '--agents must be a whole number from 1 to 1000, got 0',
    );
    expect(() => resolveBenchOptions({ scenario: 'reconnect', agents: { count: 2, broker: 'redis://127.0.0.1:6379' } })).toThrow(
      '--agents cannot be combined with drops',
    );
    expect(() => resolveBenchOptions({ network: { latencyMs: 20 }, agents: { count: 2, broker: 'redis://127.0.0.1:6379' } })).toThrow(
      '--agents cannot be combined with drops',
    );
  });
});
