import { describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';

describe('scenario ping', () => {
  it('measures PING round trips on every client, over the socket and over new HTTP requests', async () => {
    const result = await runBench({
      scenario: 'ping',
      protocols: ['ws', 'long-poll'],
      clients: 10,
      durationMs: 2000,
      warmupMs: 200,
      idleMs: 0,
      pingIntervalMs: 250,
      capacityDurationMs: 0,
      workers: 1,
      writeFiles: false,
    });
    expect(result.failures).toEqual([]);
    for (const p of result.protocols) {
      expect(p.ping, p.protocol).not.toBeNull();
      // ~8 PINGs per client in 2 s; allow for the stagger and the fences.
      expect(p.ping!.raw.count, p.protocol).toBeGreaterThanOrEqual(50);
      expect(p.ping!.corrected.count).toBeGreaterThanOrEqual(p.ping!.raw.count);
      expect(p.ping!.raw.p50).toBeGreaterThan(0);
      expect(p.histograms.ping).toBeDefined();
      expect(p.delivery.missed).toBe(0);
    }
    expect(result.protocols.find((p) => p.protocol === 'long-poll')!.bandwidth.bytesUp).toBeGreaterThan(
      result.protocols.find((p) => p.protocol === 'ws')!.bandwidth.bytesUp,
    );
  }, 60_000);
});
