import { describe, expect, it } from 'vitest';
import { checkFileLimit, fileNeeds, readFileLimit, shardFileNeed, shardFileRefusal } from '../../../bench/measure/fd-limit.js';
import { resolveBenchOptions } from '../../../bench/options.js';
import { OptionError } from '../../../wire/errors.js';

function refusal(run: () => void): OptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error('expected an OptionError');
}

describe('the open-files check', () => {
  const hold = resolveBenchOptions({ scenario: 'hold', clients: 30_000, protocols: ['ws'] });

  it('reads soft and hard limits from /proc/self/limits', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(readFileLimit(text)).toEqual({ soft: 20_000, hard: 20_000 });
  });

  it('names the ulimit to run and, when the hard limit is in the way, who may raise it and where', () => {
    const error = refusal(() => checkFileLimit(hold, { soft: 20_000, hard: 20_000 }, 20));
    expect(error.option).toBe('--clients');
    const need = Number(/`ulimit -n (\d+)`/.exec(error.message)?.[1]);
    expect(need).toBeGreaterThan(30_000);
    expect(error.message).toContain('the open-files limit is 20,000');
    expect(error.message).toContain('the hard limit is 20,000: raising it needs root or CAP_SYS_RESOURCE');
    expect(error.message).toContain('/etc/security/limits.conf');
    expect(error.message).toContain(`--ulimit nofile=${need}:${need} for a container`);
  });

  it('says nothing of the hard limit when only the soft one is low, and lets a run that fits through', () => {
    const error = refusal(() => checkFileLimit(hold, { soft: 1024, hard: 1_000_000 }, 20));
    expect(error.message).toMatch(/Run `ulimit -n \d+` and start again/);
    expect(error.message).not.toContain('hard limit');
    expect(() => checkFileLimit(hold, { soft: 40_000, hard: 40_000 }, 20)).not.toThrow();
  });

  it('counts per process with --servers N and --agents: the harness holds no client socket, each instance its round-robin share', () => {
    const broker = 'redis://127.0.0.1:6379';
    const spread = resolveBenchOptions({
      scenario: 'hold',
      clients: 30_000,
      protocols: ['ws'],
      servers: 2,
      broker,
      agents: { count: 2, broker },
    });
    const needs = fileNeeds(spread, 20);
    expect(needs.harnessSockets).toBe(0);
    expect(needs.serverSockets).toBe(15_000);
    expect(needs.harness).toBeLessThan(1000);
    expect(needs.server).toBeGreaterThan(15_000);
    expect(needs.server).toBeLessThan(16_000);
    expect(() => checkFileLimit(spread, { soft: 20_000, hard: 20_000 }, 20)).not.toThrow();
    // An odd count: the first instance takes the extra client.
    expect(fileNeeds({ ...spread, clients: 30_001 }, 20).serverSockets).toBe(15_001);
    // Three instances would be needed for 50,000 under 20,000 each: two are refused, naming each instance's share.
    const error = refusal(() => checkFileLimit({ ...spread, clients: 50_000 }, { soft: 20_000, hard: 20_000 }, 20));
    expect(error.message).toContain('the agents hold the client sockets, each of the 2 feed server instances about 25,000');
    // Instances alone do not help the harness: it still holds every client socket, and the message says what would.
    const instancesOnly = resolveBenchOptions({ scenario: 'hold', clients: 30_000, protocols: ['ws'], servers: 2, broker });
    const alone = refusal(() => checkFileLimit(instancesOnly, { soft: 20_000, hard: 20_000 }, 20));
    expect(alone.message).toContain('the harness holds 30,000 client sockets, each of the 2 feed server instances about 15,000');
    expect(alone.message).toContain('--servers N --broker redis://HOST:PORT --agents N');
  });

  it("checks an agent's shard against the agent's own limit: its sockets, its threads and what it holds already", () => {
    const need = shardFileNeed({ protocol: 'ws', pings: false, clients: 15_000, threads: 2 }, 40);
    expect(need).toBeGreaterThan(15_040);
    expect(need).toBeLessThan(15_200);
    // Clients that PING over a protocol without in-band PING hold a second socket each.
    expect(shardFileNeed({ protocol: 'sse', pings: true, clients: 100, threads: 1 }, 40)).toBeGreaterThan(240);
    expect(shardFileRefusal(need, 15_000, { soft: 20_000, hard: 20_000 })).toBeUndefined();
    const refused = shardFileRefusal(need, 15_000, { soft: 10_000, hard: 10_000 });
    expect(refused).toContain(
      `its 15,000 clients need about ${need.toLocaleString('en-US')} open files, but this agent's open-files limit is 10,000`,
    );
    expect(refused).toContain(`Run \`ulimit -n ${need}\``);
    expect(refused).toContain('the hard limit is 10,000');
    expect(shardFileRefusal(need, 15_000, undefined)).toBeUndefined();
  });
});
