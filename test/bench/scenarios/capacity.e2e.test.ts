import { describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { ProtocolResult } from '../../../bench/report/types.js';

/** Scenario capacity against a spawned server, with small counts and one-second steps. */
describe('scenario capacity end to end', () => {
  const small = { scenario: 'capacity', clients: 10, rate: 5, durationMs: 1000, warmupMs: 500, workers: 1, writeFiles: false } as const;

  it('climbs to the ceiling where the SLO holds, and fails at the start where it cannot (short polls every second vs a 100 ms SLO)', async () => {
    const result = await runBench({ ...small, protocols: ['ws', 'short-poll'], maxClients: 40, sloP99Ms: 100, pollIntervalMs: 1000 });
    expect(result.failures).toEqual([]);
    expect(result.options.capacitySearch).toEqual({ sloP99Ms: 100, resolution: 0.05, maxClients: 40, timeBudgetMs: 240_000 });
    const ws = result.protocols.find((p) => p.protocol === 'ws') as ProtocolResult;
    const search = ws.capacitySearch!;
    // A step passes or, on a machine busy with other work, fails on the generator (its worker
    // thread waits for a CPU); never on latency, loss or connects at these counts.
    for (const point of search.curve) {
      expect([null, 'generator']).toContain(point.failedBy);
      expect(point.connected).toBe(point.clients);
      expect(point.latencyP99Us).toBeGreaterThan(0);
      expect(point.serverCpuMicrosPerClientUpdate).toBeGreaterThan(0);
      expect(point.serverRssBytes).toBeGreaterThan(0);
    }
    if (search.curve.every((point) => point.failedBy === null)) {
      expect(search.curve.map((point) => point.clients)).toEqual([10, 20, 40]);
      expect(search).toMatchObject({ capacity: 40, firstFailure: null, lowerBound: false, stoppedBy: 'max-clients' });
      expect(ws.clients.requested).toBe(40);
    } else {
      expect(search.lowerBound).toBe(true);
      expect(search.firstFailure?.failedBy).toBe('generator');
    }
    // Latency of a short poll every second is spread over the second: its p99 passes 100 ms at any count.
    const shortPoll = result.protocols.find((p) => p.protocol === 'short-poll') as ProtocolResult;
    expect(shortPoll.capacitySearch).toMatchObject({ capacity: 0, firstFailure: { clients: 10 }, stoppedBy: 'failed-at-start' });
    expect(shortPoll.capacitySearch!.curve[0]!.latencyP99Us).toBeGreaterThan(100_000);
    expect(shortPoll.capacitySearch!.firstFailure!.failedBy).toBe(shortPoll.generator.saturated ? 'generator' : 'latency');
    expect(shortPoll.capacitySearch!.curve).toHaveLength(1);
  }, 120_000);

  it('starts no step once the time budget is spent', async () => {
    const result = await runBench({ ...small, protocols: ['ws'], maxClients: 10_000, timeBudgetMs: 1000 });
    const search = result.protocols[0]!.capacitySearch!;
    expect(search.curve.map((point) => point.clients)).toEqual([10]);
    if (search.curve[0]!.failedBy === null) {
      expect(search.stoppedBy).toBe('time-budget');
      expect(search.capacity).toBe(10);
    } else {
      // A machine busy with other work can starve the generator even at 10 clients: then the first step failed.
      expect(search.curve[0]!.failedBy).toBe('generator');
      expect(search.stoppedBy).toBe('failed-at-start');
    }
  }, 60_000);
});
