import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.js';

/**
 * The proxy under the harness: `--net-latency 20ms` puts 20 ms on every chunk from the server
 * to a client, so no update can arrive sooner than 20 ms after it was published. The lower
 * bound is strict (the proxy never releases early, see docs/network-faults.md); the upper
 * one allows 15 ms over the injected delay for the same reasons as the proxy's own tests
 * (timer granularity, two cores shared with other test files), and still catches the delay
 * being applied twice (40 ms).
 */
describe('network faults under the harness', () => {
  it('--net-latency 20ms: ws latency p50 ≥ 20 ms and within 15 ms of it; the table names what was injected', async () => {
    const result = await runBench(
      {
        protocols: ['ws'],
        clients: 10,
        durationMs: 2000,
        warmupMs: 300,
        idleMs: 0,
        rate: 20,
        workers: 1,
        writeFiles: false,
        thresholds: [],
        network: { latencyMs: 20 },
      },
      { signal: AbortSignal.timeout(60_000) },
    );
    expect(result.failures).toEqual([]);
    const ws = result.protocols[0]!;
    expect(ws.delivery.missed).toBe(0);
    expect(ws.latency.count).toBeGreaterThan(300);
    expect(ws.latency.min).toBeGreaterThanOrEqual(20_000);
    expect(ws.latency.p50).toBeGreaterThanOrEqual(20_000);
    expect(ws.latency.p50).toBeLessThanOrEqual(35_000);
    expect(ws.network).toMatchObject({ proxied: true, latencyMs: 20, namespace: false });
    expect(ws.network!.latencyAddedP50).toBe(ws.latency.p50 - 20_000);
    expect(ws.network!.proxy!.bytesServerToClient).toBeGreaterThan(0);
    expect(ws.reconnect).toBeNull();
    expect(result.network).toMatchObject({ latencyMs: 20, proxied: true, namespace: null });
  }, 60_000);
});
