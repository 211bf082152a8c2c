import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInstances } from '../../../bench/cli/instances-text.js';
import { runBench } from '../../../bench/run.js';
import type { BenchOptions } from '../../../bench/options.js';
import { startRedis, type TestRedis } from '../../servers/broker/redis-server.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';

/**
 * Scenario hold spread over processes on both sides, as a hard open-files limit demands
 * (docs/scenarios/hold.md): two feed server instances sharing the feed through Redis and two
 * agent processes holding the clients, the same Redis for both.
 */
function holdOptions(broker: string, extra: BenchOptions = {}): BenchOptions {
  return {
    scenario: 'hold',
    clients: 60,
    protocols: ['ws', 'sse'],
    durationMs: 2000,
    warmupMs: 300,
    rate: 2,
    longPollTimeoutMs: 1000,
    idleMs: 1500,
    workers: 1,
    writeFiles: false,
    thresholds: [],
    servers: 2,
    broker,
    agents: { count: 2, broker, timeoutMs: 10_000 },
    ...extra,
  };
}

describe('scenario hold with --servers 2 and --agents 2', () => {
  let redis: TestRedis;
  let agents: AgentProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    agents = await Promise.all([
      startAgentProcess(redis.url, 'hold-a', { args: ['--source-address', '127.0.0.2'] }),
      startAgentProcess(redis.url, 'hold-b', { args: ['--source-address', '127.0.0.3'] }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await redis?.stop();
  });

  it('reports memory per connection per instance and summed, with every update delivered through both agents', async () => {
    const result = await runBench(holdOptions(redis.url));
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse']);
    for (const protocol of result.protocols) {
      const name = protocol.protocol;
      expect(protocol.clients.connected, name).toBe(60);
      expect(protocol.delivery.expected, name).toBe(60 * (protocol.window.seqEnd - protocol.window.seqStart));
      expect(protocol.delivery.expected, name).toBeGreaterThan(0);
      expect(protocol.delivery.delivered, name).toBe(protocol.delivery.expected);
      // The agents held the clients, one shard each, from their own source addresses.
      const shards = protocol.agents ?? [];
      expect(new Set(shards.map((shard) => shard.agent)), name).toEqual(new Set(['hold-a', 'hold-b']));
      expect(
        shards.reduce((sum, shard) => sum + shard.connected, 0),
        name,
      ).toBe(60);
      // Each agent's clients spread round robin over both instances.
      expect(
        (protocol.instances ?? []).map((instance) => instance.connections),
        name,
      ).toEqual([30, 30]);
      const hold = protocol.hold!;
      expect(hold.gc, name).toBe(true);
      expect(hold.connections, name).toBe(60);
      expect(hold.sourceAddresses, name).toBe(2);
      const instances = hold.instances ?? [];
      expect(
        instances.map((instance) => instance.url),
        name,
      ).toEqual((protocol.instances ?? []).map((instance) => instance.url));
      for (const instance of instances) {
        expect(instance.connections, name).toBe(30);
        expect(instance.heapPerConnectionBytes, name).toBeGreaterThan(0);
        expect(instance.rssBytes, name).toBeGreaterThan(0);
        expect(instance.connectionsPerGb, name).toBe(
          instance.rssPerConnectionBytes > 0 ? Math.floor(1e9 / instance.rssPerConnectionBytes) : null,
        );
      }
      // The summed figure is both instances' growth over every connection: with equal shares, their mean (± rounding).
      const meanHeap = (instances[0]!.heapPerConnectionBytes + instances[1]!.heapPerConnectionBytes) / 2;
      expect(Math.abs(hold.heapPerConnectionBytes - meanHeap), name).toBeLessThanOrEqual(1);
    }
    // The terminal's instance lines carry each instance's own figures.
    const lines = formatInstances(result)
      .split('\n')
      .filter((line) => line.includes('after GC per connection'));
    expect(lines).toHaveLength(4);
  }, 180_000);
});

describe("an agent's own open-files limit", () => {
  let redis: TestRedis;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    // Lowering a limit needs no privilege: the agent runs under `ulimit -n 200` (sh execs node, so the PID is the agent's).
    agent = await startAgentProcess(redis.url, 'small-limit', {
      wrap: (command, args) => ({ command: 'sh', args: ['-c', 'ulimit -n 200; exec "$0" "$@"', command, ...args] }),
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await redis?.stop();
  });

  it('refuses a shard too large for it before connecting, naming the limit and the ulimit to run', async () => {
    const run = runBench(
      holdOptions(redis.url, { clients: 300, protocols: ['ws'], agents: { count: 1, broker: redis.url, timeoutMs: 10_000 } }),
    );
    await expect(run).rejects.toThrow(
      /agent small-limit \(pid \d+\) refuses shard 1\/1: its 300 clients need about [\d,]+ open files, but this agent's open-files limit is 200\. Run `ulimit -n \d+`/,
    );
    expect(agent!.output()).toContain("this agent's open-files limit is 200");
    expect(agent!.output()).not.toContain('done');
  }, 120_000);
});
