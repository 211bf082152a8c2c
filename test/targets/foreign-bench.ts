import { expect } from 'vitest';
import type { BenchOptions } from '../../bench/options.js';
import type { ProtocolResult } from '../../bench/report/types.js';

/**
 * A short run against a foreign target: `clients` per protocol, 20 messages a second of 128
 * bytes, no warm-up or idle, one worker, polls every 200 ms, no thresholds; `extra` on top.
 */
export function foreignRunOptions(clients: number, extra: Partial<BenchOptions>): BenchOptions {
  return { clients, warmupMs: 0, idleMs: 0, rate: 20, payload: 128, workers: 1, pollIntervalMs: 200, thresholds: [], ...extra };
}

/**
 * Every message the harness published reached each of the `clients`, once and in order, and
 * each delivery was timed. Returns how many were published.
 */
export function expectExactDelivery(p: ProtocolResult, clients: number): number {
  const published = p.foreign?.publish?.acked ?? 0;
  expect(p.clients.connected, p.protocol).toBe(clients);
  expect(p.delivery, p.protocol).toMatchObject({
    expected: published * clients,
    delivered: published * clients,
    missed: 0,
    duplicated: 0,
    outOfOrder: 0,
  });
  expect(p.latency.count, p.protocol).toBe(published * clients);
  return published;
}
