import { describe, expect, it } from 'vitest';
import { checkSourceAddresses, parseSourceAddresses } from '../../../bench/agent/source-address.js';
import { formatAgents } from '../../../bench/cli/agents-print.js';
import type { AgentFigures, BenchResult } from '../../../bench/report/types.js';
import { OptionError } from '../../../wire/errors.js';

describe('--source-address of an agent', () => {
  it('reads one address or a comma list, IPv4 or IPv6', () => {
    expect(parseSourceAddresses('127.0.0.2')).toEqual(['127.0.0.2']);
    expect(parseSourceAddresses('127.0.0.2, 127.0.0.3')).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(parseSourceAddresses('::1')).toEqual(['::1']);
  });

  it('refuses what is not an address, and an address named twice, naming the flag', () => {
    expect(() => parseSourceAddresses('localhost')).toThrow(OptionError);
    expect(() => parseSourceAddresses('localhost')).toThrow(
      'bad option: --source-address must be IP addresses separated by commas, got "localhost" in "localhost"',
    );
    expect(() => parseSourceAddresses('127.0.0.2,')).toThrow(
      '--source-address must be IP addresses separated by commas, got "" in "127.0.0.2,"',
    );
    expect(() => parseSourceAddresses('127.0.0.2,127.0.0.2')).toThrow('--source-address names 127.0.0.2 twice');
  });

  it('accepts loopback addresses of this host and refuses one it does not have before any client connects', async () => {
    await expect(checkSourceAddresses(['127.0.0.2', '127.0.0.3'])).resolves.toBeUndefined();
    // 192.0.2.0/24 is TEST-NET-1, never assigned to a host.
    await expect(checkSourceAddresses(['127.0.0.2', '192.0.2.7'])).rejects.toThrow(
      '--source-address 192.0.2.7 is not an address of this host (EADDRNOTAVAIL)',
    );
  });

  it('shows the addresses an agent connected from, and its CPU per message in the window, in the Agents section', () => {
    const shard: AgentFigures = {
      agent: 'load-1',
      host: 'box',
      sourceAddresses: ['127.0.0.2'],
      shard: 0,
      shards: 2,
      firstClientIndex: 0,
      clients: 10,
      connected: 10,
      threads: 1,
      cpuMicros: 1000,
      windowCpuMicros: 810,
      windowMessages: 100,
      rssPeakBytes: 1_000_000,
      suspect: false,
      clock: { offsetMicros: 0, uncertaintyMicros: 100, samples: 16, appliedMicros: 0 },
    };
    const { sourceAddresses: _, windowMessages: __, ...withoutAddress } = shard;
    const result = { protocols: [{ protocol: 'ws', agents: [shard, { ...withoutAddress, shard: 1 }] }] } as unknown as BenchResult;
    const [, first, second] = formatAgents(result).split('\n');
    expect(first).toContain('load-1 (box from 127.0.0.2)  clients 0–9, 10 connected  CPU 1.00ms (8.10µs/msg in the window)  RSS');
    expect(second).toContain('load-1 (box)  clients 0–9, 10 connected  CPU 1.00ms  RSS');
  });
});
