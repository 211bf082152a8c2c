import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchOptions } from '../../bench/options.js';
import { runBench } from '../../bench/run.js';
import { startNchan, type RunningNchan } from '../helpers/nchan-server.js';
import { startSocketIoRelay, type RunningRelay } from '../helpers/socketio-relay.js';
import { startGenericServer, type RunningGeneric } from '../helpers/generic-server.js';

/**
 * Scenario reconnect and the --net-* faults against foreign targets: the clients close their
 * own connections at the drop times (or the proxy resets them) and come back by the preset's
 * resume, against real nginx + nchan, a Socket.IO relay and the generic server.
 */

const CLIENTS = 20;

function options(extra: Partial<BenchOptions>): BenchOptions {
  return {
    clients: CLIENTS,
    durationMs: 3000,
    warmupMs: 0,
    idleMs: 0,
    rate: 20,
    payload: 128,
    workers: 1,
    pollIntervalMs: 200,
    writeFiles: false,
    thresholds: [],
    reconnect: { initialDelayMs: 300, maxDelayMs: 300, jitter: 0 },
    ...extra,
  };
}

describe('scenario reconnect against nginx + nchan', () => {
  let nchan: RunningNchan;
  let short: RunningNchan;
  beforeAll(async () => {
    [nchan, short] = await Promise.all([startNchan(), startNchan({ bufferLength: 5 })]);
  });
  afterAll(async () => {
    await Promise.all([nchan?.stop(), short?.stop()]);
  });

  it('every client closes its connection at the drop and comes back; every protocol resumes with nothing missed nor duplicated', async () => {
    const result = await runBench(
      options({ target: nchan.url, foreign: { preset: 'nchan', channel: 'recon' }, scenario: 'reconnect', dropAtMs: [1000] }),
    );
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    for (const p of result.protocols) {
      const r = p.reconnect!;
      expect(
        r.events.map((event) => [event.kind, event.connections]),
        p.protocol,
      ).toEqual([['client-close', CLIENTS]]);
      expect([r.clientDrops, r.recovered, r.notRecovered], p.protocol).toEqual([CLIENTS, CLIENTS, 0]);
      // Back after the 300 ms backoff, never before it.
      expect(r.recovery.min, p.protocol).toBeGreaterThanOrEqual(300_000);
      expect(r.attempts, p.protocol).toBe(CLIENTS);
      expect(r.publishedDuringOutage, p.protocol).toBeGreaterThan(0);
      expect(p.delivery.expected, p.protocol).toBe((p.foreign?.publish?.acked ?? 0) * CLIENTS);
      expect(p.delivery.missed, p.protocol).toBe(0);
      expect(r.missedInOutage, p.protocol).toBe(0);
      expect(r.recoveredByResume, p.protocol).toBe(r.publishedDuringOutage);
      // nchan's storm as the server sees it is not known: no /stats.
      expect(p.reconnect?.acceptedPerSecondBaseline, p.protocol).toBeNull();
    }
    // Every protocol resumes: WebSocket by ws+meta.nchan's message ids, SSE by Last-Event-ID, the polls by Etag/Last-Modified.
    for (const p of result.protocols) expect(p.delivery.duplicated, p.protocol).toBe(0);
  }, 120_000);

  it('a message buffer shorter than the outage: every protocol resumes at the oldest message nchan still holds, the rest is missed, exactly', async () => {
    const result = await runBench(
      options({
        target: short.url,
        foreign: { preset: 'nchan', channel: 'evicted' },
        protocols: ['ws', 'sse', 'long-poll'],
        scenario: 'reconnect',
        dropAtMs: [1000],
        durationMs: 4000,
        reconnect: { initialDelayMs: 1500, maxDelayMs: 1500, jitter: 0 },
      }),
    );
    expect(result.failures).toEqual([]);
    for (const p of result.protocols) {
      const r = p.reconnect!;
      expect([r.clientDrops, r.recovered], p.protocol).toEqual([CLIENTS, CLIENTS]);
      // 1.5 s away at 20/s: about 30 messages each, of which nchan still holds its last 5 (and one may be
      // on its way as the client comes back: published before the first message reached it, so still in the outage).
      expect(r.publishedDuringOutage, p.protocol).toBeGreaterThan(20 * CLIENTS);
      expect(r.recoveredByResume, p.protocol).toBeGreaterThanOrEqual(5 * CLIENTS);
      expect(r.recoveredByResume, p.protocol).toBeLessThan(7 * CLIENTS);
      expect(r.missedInOutage, p.protocol).toBe(r.publishedDuringOutage - r.recoveredByResume);
      expect(p.delivery.missed, p.protocol).toBe(r.missedInOutage);
      expect(p.delivery.delivered + p.delivery.missed, p.protocol).toBe(p.delivery.expected);
      expect(p.delivery.duplicated, p.protocol).toBe(0);
    }
  }, 120_000);
});

describe('scenario reconnect against a Socket.IO relay and the generic server', () => {
  let relay: RunningRelay;
  let generic: RunningGeneric;
  beforeAll(async () => {
    [relay, generic] = await Promise.all([startSocketIoRelay({ event: 'tick' }), startGenericServer()]);
  });
  afterAll(async () => {
    await Promise.all([relay?.close(), generic?.close()]);
  });

  it('socketio: a reconnect is a new session, so what was emitted meanwhile is missed and reported', async () => {
    const result = await runBench(
      options({ target: relay.url, foreign: { preset: 'socketio', event: 'tick' }, scenario: 'reconnect', dropAtMs: [1000] }),
    );
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'long-poll']);
    for (const p of result.protocols) {
      const r = p.reconnect!;
      expect(
        r.events.map((event) => [event.kind, event.connections]),
        p.protocol,
      ).toEqual([['client-close', CLIENTS]]);
      expect([r.clientDrops, r.recovered], p.protocol).toEqual([CLIENTS, CLIENTS]);
      // Away for 300 ms at 20/s: about 6 messages each, none of them sent again to a new session.
      expect(r.missedInOutage, p.protocol).toBeGreaterThanOrEqual(4 * CLIENTS);
      expect(p.delivery.missed, p.protocol).toBe(r.missedInOutage);
      expect(p.delivery.delivered + p.delivery.missed, p.protocol).toBe(p.delivery.expected);
      expect(p.delivery.duplicated, p.protocol).toBe(0);
    }
  }, 120_000);

  it('generic behind the fault proxy: added latency, and --net-reset-every resets every connection', async () => {
    const result = await runBench(
      options({
        target: generic.url,
        foreign: { preset: 'generic', urls: { ws: '/stream/ws', sse: '/stream/sse' }, publish: '/publish' },
        network: { latencyMs: 40, resetEveryMs: 1000 },
        // The last reset leaves 0.9 s of publishing: a client without resume recovers only with a message after it.
        durationMs: 2900,
      }),
    );
    expect(result.failures).toEqual([]);
    expect(result.network).toMatchObject({ latencyMs: 40, resetEveryMs: 1000, proxied: true, lossMechanism: null });
    const [ws, sse] = result.protocols;
    for (const p of [ws!, sse!]) {
      // Every message crossed the proxy's 40 ms delay line; the publisher did not (it goes straight to the server).
      expect(p.latency.min, p.protocol).toBeGreaterThanOrEqual(40_000);
      expect(p.network?.proxy?.resets, p.protocol).toBe(2 * CLIENTS);
      expect(
        p.reconnect?.events.map((event) => event.kind),
        p.protocol,
      ).toEqual(['net-reset', 'net-reset']);
      expect([p.reconnect?.clientDrops, p.reconnect?.recovered], p.protocol).toEqual([2 * CLIENTS, 2 * CLIENTS]);
    }
    // SSE resumes by Last-Event-ID: nothing lost; the generic WebSocket has no resume: what came meanwhile is missed.
    expect([sse!.delivery.missed, sse!.delivery.duplicated]).toEqual([0, 0]);
    expect(sse!.reconnect?.recoveredByResume).toBe(sse!.reconnect?.publishedDuringOutage);
    expect(ws!.delivery.missed).toBeGreaterThan(0);
    expect(ws!.delivery.missed).toBe(ws!.reconnect?.missedInOutage);
  }, 120_000);
});
