import { describe, expect, it } from 'vitest';
import { resolveBenchOptions } from '../../../bench/options.js';
import { runBench } from '../../../bench/run.js';

/** Scenario capacity over two instances on a real redis-server the run starts: small counts, one-second steps. */
describe('scenario capacity with --servers 2 --broker redis', () => {
  it('is taken: the search settings and the instances are both recorded', () => {
    const options = resolveBenchOptions({ scenario: 'capacity', servers: 2, broker: 'redis', maxClients: 40 });
    expect(options.scaleOut).toEqual({ servers: 2, broker: 'redis' });
    expect(options.maxClients).toBe(40);
  });

  it("spreads every step's clients evenly over both instances and judges the step on their summed figures", async () => {
    const result = await runBench({
      scenario: 'capacity',
      servers: 2,
      broker: 'redis',
      protocols: ['ws'],
      clients: 10,
      maxClients: 40,
      rate: 5,
      durationMs: 1000,
      warmupMs: 400,
      workers: 1,
      writeFiles: false,
    });
    expect(result.failures).toEqual([]);
    expect(result.options.scaleOut).toEqual({ servers: 2, broker: 'redis' });
    const ws = result.protocols[0]!;
    const search = ws.capacitySearch!;
    // Every update of a step reached every client through the broker; a step fails, if at all,
    // on a machine so busy that the generator's thread waits for a CPU.
    for (const point of search.curve) {
      expect([null, 'generator']).toContain(point.failedBy);
      expect(point.connected).toBe(point.clients);
      expect(point.missed).toBe(0);
      expect(point.serverCpuMicrosPerClientUpdate).toBeGreaterThan(0);
    }
    if (search.curve.every((point) => point.failedBy === null)) {
      expect(search.curve.map((point) => point.clients)).toEqual([10, 20, 40]);
      expect(search).toMatchObject({ capacity: 40, firstFailure: null, stoppedBy: 'max-clients' });
    } else {
      expect(search.lowerBound).toBe(true);
    }
    // The step shown (the capacity's, or the first): its clients half on each instance, and its
    // server figures the instances' sum, which the CPU per client per update is taken from.
    const instances = ws.instances ?? [];
    expect(instances).toHaveLength(2);
    expect(instances.map((instance) => instance.connections)).toEqual([ws.clients.requested / 2, ws.clients.requested / 2]);
    expect(ws.server?.cpuMicros).toBe(instances.reduce((sum, instance) => sum + (instance.cpuMicros ?? 0), 0));
    const shown = search.curve.find((point) => point.clients === ws.clients.requested)!;
    const perClientUpdate = ws.server!.cpuMicros / (ws.clients.requested * ws.window.eventsPublished);
    expect(shown.serverCpuMicrosPerClientUpdate).toBeCloseTo(perClientUpdate, 1);
  }, 120_000);
});
