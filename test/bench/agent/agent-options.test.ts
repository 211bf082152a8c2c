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

  it("refuses --agents without a broker and a timeout without --agents; a lone --broker is the instances' one", () => {
    expect(() => parse('--agents', '2')).toThrow('--agents needs --broker redis://host:port');
    const instances = parse('--servers', '2', '--broker', 'redis://127.0.0.1:6379').options;
    expect(instances.broker).toBe('redis://127.0.0.1:6379');
    expect(instances.agents).toBeUndefined();
    expect(parse('--agents', '2', '--broker', 'redis://127.0.0.1:6379').options.broker).toBeUndefined();
    expect(() => parse('--agent-timeout', '5s')).toThrow('--agent-timeout is only used with --agents N');
  });

  it('gives the one --broker to both the agents and the instances with --servers N, and takes scenario hold', () => {
    const request = parse('--scenario', 'hold', '--agents', '2', '--servers', '2', '--broker', 'redis://127.0.0.1:6379').options;
    expect(request.broker).toBe('redis://127.0.0.1:6379');
    expect(request.agents?.broker).toBe('redis://127.0.0.1:6379');
    const resolved = resolveBenchOptions(request);
    expect(resolved.scaleOut).toEqual({ servers: 2, broker: 'redis://127.0.0.1:6379' });
    expect(resolved.brokerUrl).toBe('redis://127.0.0.1:6379');
    expect(resolved.agents?.count).toBe(2);
    expect(resolved.scenario).toBe('hold');
    // `redis` starts a Redis when the run starts: the agents, already waiting, could not know it.
    expect(() => resolveBenchOptions(parse('--agents', '2', '--servers', '2', '--broker', 'redis').options)).toThrow(
      '--broker with --agents and --servers N must be redis://HOST:PORT of a Redis already running',
    );
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
