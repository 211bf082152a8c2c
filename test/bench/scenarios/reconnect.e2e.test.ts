import { beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { BenchResult, ProgressEvent, ProtocolResult } from '../../../bench/report/types.js';
import type { ProtocolName } from '../../../wire/protocols.js';
import { resultOf } from '../fixture.js';

/**
 * Scenario `reconnect` for real: a spawned server, 10 clients per protocol, one control drop
 * one second into a 3 s window. Every client must receive again, and resume must bring back
 * every update published while it was away — none missed, none twice.
 */
describe('scenario reconnect: one drop per protocol', () => {
  let result: BenchResult;
  const events: ProgressEvent[] = [];
  const of = (protocol: ProtocolName): ProtocolResult => resultOf(result, protocol);

  beforeAll(async () => {
    result = await runBench(
      {
        scenario: 'reconnect',
        clients: 10,
        durationMs: 3000,
        warmupMs: 300,
        dropAtMs: [1000],
        rate: 20,
        pollIntervalMs: 200,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1600 },
        workers: 1,
        writeFiles: false,
        thresholds: [],
      },
      { onProgress: (event) => events.push(event), signal: AbortSignal.timeout(80_000) },
    );
  }, 90_000);

  it('measures every protocol', () => {
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
  });

  it.each(['ws', 'sse', 'long-poll', 'short-poll'] as const)(
    '%s: every client receives again after the drop; resume loses and repeats nothing',
    (protocol) => {
      const p = of(protocol);
      const r = p.reconnect!;
      expect(r).not.toBeNull();
      expect(r.drops).toBe(1);
      expect(r.events[0]).toMatchObject({ kind: 'drop', atMs: 1000 });
      expect(r).toMatchObject({
        clientDrops: 10,
        recovered: 10,
        notRecovered: 0,
        missedInOutage: 0,
        coveredByReset: 0,
        duplicated: 0,
        resets: 0,
      });
      expect(r.recovery.count).toBe(10);
      expect(r.recovery.max).toBeLessThan(2_000_000);
      expect(r.publishedDuringOutage).toBeGreaterThan(0);
      expect(r.recoveredByResume).toBe(r.publishedDuringOutage);
      expect(p.delivery).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
      expect(p.delivery.expected).toBe(p.window.eventsPublished * 10);
      expect(r.storm.length).toBeGreaterThan(5);
      expect(p.histograms.recovery).toBeDefined();
    },
  );

  it.each(['ws', 'sse', 'long-poll'] as const)(
    '%s: the server cut every connection; each client waited its backoff and reconnected',
    (protocol) => {
      const r = of(protocol).reconnect!;
      expect(r.events[0]?.connections).toBe(10);
      expect(r.attempts).toBeGreaterThanOrEqual(10);
      // The first retry waits 50–100 ms (100 ms, jitter 0.5): nobody is back sooner.
      expect(r.recovery.min).toBeGreaterThanOrEqual(50_000);
      expect(r.clientAttemptsPerSecondPeak).toBeGreaterThan(0);
      expect(r.attemptsPerSecondPeak).toBeGreaterThan(0);
    },
  );

  it('short polling recovers at its next poll, without reconnecting', () => {
    const r = of('short-poll').reconnect!;
    // Within about one interval (200 ms) of the drop, plus a busy machine's slack.
    expect(r.recovery.p50).toBeLessThan(600_000);
  });

  it('marks the drops in the time series and the progress events', () => {
    for (const protocol of ['ws', 'sse', 'long-poll', 'short-poll'] as const) {
      const points = result.timeseries.filter((point) => point.protocol === protocol);
      expect(
        points.reduce((sum, point) => sum + (point.drops ?? 0), 0),
        protocol,
      ).toBe(1);
      expect(
        points.every((point) => typeof point.reconnectsPerSecond === 'number'),
        protocol,
      ).toBe(true);
      expect(
        events.filter((e) => e.type === 'drop' && e.protocol === protocol),
        protocol,
      ).toHaveLength(1);
    }
    expect(result.timeseries.some((point) => point.protocol === 'ws' && (point.reconnectsPerSecond ?? 0) > 0)).toBe(true);
  });
});
