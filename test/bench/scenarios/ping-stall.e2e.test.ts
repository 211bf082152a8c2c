import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../../bench/report/histogram.js';
import { runBench } from '../../../bench/run.js';
import { spawnServer, type SpawnedServer } from '../../../bench/target/spawn.js';
import type { BenchResult, ProtocolResult } from '../../../bench/report/types.js';
import { nowMicros } from '../../../wire/clock.js';

const CLIENTS = 20;
const INTERVAL_MS = 500;
const STALL_MS = 1000;

/**
 * The open-loop model of a stall: PINGs are scheduled evenly (CLIENTS per INTERVAL_MS); those
 * due while the server is stopped are all answered when it resumes, so their latencies, counted
 * from their scheduled times, ramp down linearly from the stall's length to 0, and every other
 * PING is fast. Its p-th percentile, for `count` PINGs of which `stalled` fell in a stall of
 * `stallMs`.
 */
function modelPercentileMs(p: number, count: number, stalled: number, stallMs: number): number {
  const fast = 1 - stalled / count;
  return p <= fast ? 0 : (stallMs * (p - fast)) / (1 - fast);
}

describe('scenario ping through a stalled server', () => {
  let server: SpawnedServer;
  let result: BenchResult;
  const stalls: Array<{ protocol: string; ms: number }> = [];

  beforeAll(async () => {
    server = await spawnServer();
    let protocol = '';
    result = await runBench(
      {
        target: server.url,
        controlToken: server.controlToken,
        scenario: 'ping',
        protocols: ['ws', 'sse'],
        clients: CLIENTS,
        durationMs: 4000,
        warmupMs: 300,
        idleMs: 0,
        rate: 5,
        pingIntervalMs: INTERVAL_MS,
        capacityDurationMs: 0,
        workers: 1,
        writeFiles: false,
        thresholds: [],
      },
      {
        onProgress: (event) => {
          if (event.type === 'phase') protocol = event.protocol;
          if (event.type !== 'phase' || event.phase !== 'measuring') return;
          // One second into the window, the server stops dead for STALL_MS (SIGSTOP: it neither
          // reads nor answers; the kernel still queues what the clients send).
          setTimeout(() => {
            const stoppedAt = nowMicros();
            process.kill(server.pid, 'SIGSTOP');
            setTimeout(() => {
              process.kill(server.pid, 'SIGCONT');
              stalls.push({ protocol, ms: (nowMicros() - stoppedAt) / 1000 });
            }, STALL_MS);
          }, 1000);
        },
      },
    );
  }, 120_000);

  afterAll(async () => {
    if (server !== undefined) {
      process.kill(server.pid, 'SIGCONT');
      await server.stop();
    }
  });

  it.each(['ws', 'sse'] as const)('records one sample per scheduled PING over %s, and the stall as the open-loop ramp', (name) => {
    const p = result.protocols.find((r) => r.protocol === name) as ProtocolResult;
    const ping = p.ping!;
    const stallMs = stalls.find((s) => s.protocol === name)!.ms;
    // No catch-up PINGs and no synthesised ones: exactly one value per scheduled PING.
    expect(ping).toMatchObject({ refused: 0, unanswered: 0, cut: 0 });
    expect(ping.answered).toBe(ping.scheduled);
    expect(ping.corrected.count).toBe(ping.scheduled);
    expect(ping.raw.count).toBe(ping.scheduled);
    const perClient = p.window.measuredMs / INTERVAL_MS;
    expect(ping.scheduled!).toBeGreaterThanOrEqual(CLIENTS * Math.floor(perClient - 1));
    expect(ping.scheduled!).toBeLessThanOrEqual(CLIENTS * Math.ceil(perClient + 3));

    const histogram = decodeHistogram(p.histograms.ping!);
    const stalled = (CLIENTS * stallMs) / INTERVAL_MS;
    for (const percentile of [80, 85, 90, 95, 99]) {
      const measuredMs = histogram.getValueAtPercentile(percentile) / 1000;
      const modelMs = modelPercentileMs(percentile / 100, ping.scheduled!, stalled, stallMs);
      // Coordinated omission would hide the stall (a percentile far under the model): that side is tight.
      // Above it, a busy machine adds its own delay to every PING, so that side allows for the machine.
      expect(measuredMs - modelMs, `p${percentile}: measured ${measuredMs} ms, model ${modelMs} ms`).toBeGreaterThan(-120);
      expect(measuredMs - modelMs, `p${percentile}: measured ${measuredMs} ms, model ${modelMs} ms`).toBeLessThan(500);
    }
    // The PING due just after the server stopped waited the whole stall.
    expect(ping.corrected.max / 1000).toBeGreaterThan(stallMs - 150);
    expect(ping.corrected.max / 1000).toBeLessThan(stallMs + 150);
    expect(result.refused).toEqual([]);
  });
});
