import { describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { BenchOptions } from '../../../bench/options.js';

/** Small and short: real redis-server and real instances, a few clients each. */
const SMALL: BenchOptions = {
  clients: 10,
  durationMs: 3000,
  warmupMs: 500,
  idleMs: 0,
  capacityDurationMs: 0,
  workers: 1,
  writeFiles: false,
  thresholds: [],
  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
};

describe('--servers N --broker redis', () => {
  it("spreads each protocol's clients round-robin over both instances and delivers every update once", async () => {
    const result = await runBench({ ...SMALL, servers: 2, broker: 'redis', protocols: ['ws', 'long-poll'] });
    expect(result.failures).toEqual([]);
    expect(result.options.scaleOut).toEqual({ servers: 2, broker: 'redis' });
    for (const protocol of result.protocols) {
      expect(protocol.clients.connected).toBe(10);
      expect(protocol.delivery.expected).toBeGreaterThan(0);
      expect(protocol.delivery).toMatchObject({ missed: 0, duplicated: 0, outOfOrder: 0, resets: 0 });
      expect(protocol.delivery.delivered).toBe(protocol.delivery.expected);
      const instances = protocol.instances ?? [];
      expect(instances.map((instance) => instance.connections)).toEqual([5, 5]);
      expect(new Set(instances.map((instance) => instance.url)).size).toBe(2);
      // The table's server figures are the instances' sum.
      expect(protocol.server?.cpuMicros).toBe(instances.reduce((sum, instance) => sum + (instance.cpuMicros ?? 0), 0));
    }
  }, 120_000);

  it("scenario failover: the killed instance's clients resume on the other one, every client back, none missed or duplicated, on all four protocols", async () => {
    const result = await runBench({ ...SMALL, servers: 2, broker: 'redis', scenario: 'failover', durationMs: 3000 });
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const protocol of result.protocols) {
      const reconnect = protocol.reconnect!;
      expect(reconnect.events.map((event) => event.kind)).toEqual(['failover']);
      // Half of the clients were on the killed instance; the other half never dropped.
      expect(reconnect.clientDrops).toBe(5);
      expect(reconnect.recovered).toBe(5);
      expect(reconnect.notRecovered).toBe(0);
      expect(reconnect.missedInOutage).toBe(0);
      expect(reconnect.publishedDuringOutage).toBe(reconnect.recoveredByResume);
      expect(reconnect.resets).toBe(0);
      // Every one of them saw its connection end (a short poll: its next request refused), so each recovery has its parts.
      expect(reconnect.phases?.reopened.count).toBe(5);
      expect(protocol.delivery).toMatchObject({ missed: 0, duplicated: 0, outOfOrder: 0 });
      expect(protocol.delivery.delivered).toBe(protocol.delivery.expected);
      // The survivor took the killed instance's clients in the window; the killed one reports no window figures.
      const [survivor, killed] = protocol.instances ?? [];
      expect(survivor?.acceptedInWindow).toBeGreaterThanOrEqual(5);
      expect(killed?.cpuMicros).toBeNull();
    }
  }, 240_000);

  it('--broker-restart: Redis restarted mid-window (with its AOF) loses and duplicates nothing, and no client is reset, on all four protocols', async () => {
    const result = await runBench({ ...SMALL, servers: 2, broker: 'redis', scenario: 'failover', brokerRestart: true });
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const protocol of result.protocols) {
      expect(protocol.reconnect?.events.map((event) => event.kind)).toEqual(['broker-restart']);
      expect(protocol.delivery).toMatchObject({ missed: 0, duplicated: 0, outOfOrder: 0, resets: 0 });
      expect(protocol.delivery.delivered).toBe(protocol.delivery.expected);
      expect(protocol.delivery.expected).toBeGreaterThan(0);
      // The instances kept their clients through the outage: nobody had to reconnect.
      expect(protocol.reconnect?.attempts).toBe(0);
    }
  }, 240_000);
});
