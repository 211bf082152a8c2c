/**
 * Tolerances. The proxy never releases a chunk before its time (release() re-checks the
 * monotonic clock after every timer), so every lower bound is strict: an RTT through a
 * 20 ms + 20 ms proxy is never below 40 ms. Upper bounds are loose on purpose: each
 * direction adds up to ~1 ms of timer granularity, and the client, the echo server and the
 * proxy share one event loop on a 2-core machine that runs other test files (and other
 * engineers' work) at the same time, so single samples can be tens of ms late. The median
 * sheds those spikes; 15 ms over the injected value is ample for the median yet far from the
 * mistakes worth catching (delay applied one way only: 20 ms; applied twice: 80 ms).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../netem/proxy.js';
import { connectTo, roundTrip, startEchoServer, summary, type LocalServer } from './helpers.js';

const MEDIAN_TOLERANCE_MS = 15;
const CONNECTIONS = 4;
const ROUND_TRIPS_EACH = 50;

let echo: LocalServer | undefined;
let proxy: RunningProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  await echo?.close();
  proxy = undefined;
  echo = undefined;
});

/** CONNECTIONS × ROUND_TRIPS_EACH sequential round trips, the connections side by side. */
async function sampleRoundTrips(port: number): Promise<number[]> {
  const perConnection = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const socket = await connectTo(port);
      const samples: number[] = [];
      for (let i = 0; i < ROUND_TRIPS_EACH; i += 1) samples.push(await roundTrip(socket));
      socket.destroy();
      return samples;
    }),
  );
  return perConnection.flat();
}

describe('proxy latency and jitter', { timeout: 20_000 }, () => {
  it('adds the configured one-way latency in each direction', async () => {
    echo = await startEchoServer();
    proxy = await startProxy({ target: { host: '127.0.0.1', port: echo.port }, latencyMs: 20 });
    const rtt = summary(await sampleRoundTrips(proxy.port));
    console.info(
      `latency 20 ms each way, ${CONNECTIONS * ROUND_TRIPS_EACH} round trips: RTT min ${rtt.min.toFixed(2)} median ${rtt.median.toFixed(2)} p95 ${rtt.p95.toFixed(2)} max ${rtt.max.toFixed(2)} ms`,
    );
    expect(rtt.min).toBeGreaterThanOrEqual(40);
    expect(rtt.median).toBeLessThanOrEqual(40 + MEDIAN_TOLERANCE_MS);
    expect(proxy.stats()).toMatchObject({
      accepted: CONNECTIONS,
      bytesClientToServer: CONNECTIONS * ROUND_TRIPS_EACH * 8,
      bytesServerToClient: CONNECTIONS * ROUND_TRIPS_EACH * 8,
    });
  });

  it('spreads delay uniformly within latency ± jitter, never outside the lower bound', async () => {
    echo = await startEchoServer();
    // Jitter on the way in only, so each RTT is one jittered delay: 20 ± 10 → [10, 30] ms.
    proxy = await startProxy({ target: { host: '127.0.0.1', port: echo.port }, clientToServer: { latencyMs: 20, jitterMs: 10 } });
    const samples = await sampleRoundTrips(proxy.port);
    const rtt = summary(samples);
    console.info(
      `latency 20 ± 10 ms one way, ${samples.length} round trips: RTT min ${rtt.min.toFixed(2)} median ${rtt.median.toFixed(2)} p95 ${rtt.p95.toFixed(2)} max ${rtt.max.toFixed(2)} ms`,
    );
    expect(rtt.min).toBeGreaterThanOrEqual(10);
    expect(rtt.median).toBeLessThanOrEqual(20 + MEDIAN_TOLERANCE_MS);
    // Jitter really happens: with a uniform spread, a quarter of the samples fall in each
    // outer 5 ms band; 200 samples missing one band has odds of 0.75^200 ≈ 1e-25.
    expect(samples.some((ms) => ms < 15)).toBe(true);
    expect(samples.some((ms) => ms > 25)).toBe(true);
  });

  it('never reorders bytes, even when jitter would swap consecutive chunks', async () => {
    echo = await startEchoServer();
    // The worst case, forced: delays alternate 20 ms and 0 ms, so every other chunk would overtake.
    let flip = false;
    const random = (): number => ((flip = !flip) ? 0.999999 : 0);
    proxy = await startProxy({ target: { host: '127.0.0.1', port: echo.port }, latencyMs: 10, jitterMs: 10, random });
    const socket = await connectTo(proxy.port);
    const messages = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(5, '0')}\n`);
    const expected = messages.join('');
    let received = '';
    const allBack = new Promise<void>((resolve, reject) => {
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        received += text;
        if (received.length >= expected.length) resolve();
      });
      socket.once('error', reject);
    });
    for (const message of messages) {
      socket.write(message);
      // One write per event-loop turn, so the proxy reads them as separate chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await allBack;
    socket.destroy();
    expect(received).toBe(expected);
  });
});
