/**
 * The cap's lower bound is what must hold: N bits cannot pass an R bit/s bottleneck in less
 * than N/R seconds, less the bucket's initial burst (one ~10 ms slice, 1000 bytes at
 * 800 kbit/s). We allow 50 ms below N/R for that burst and clock rounding. No tight upper
 * bound: a loaded machine only makes transfers slower, which says nothing about the cap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../netem/proxy.js';
import { connectTo, startSinkServer, type LocalServer } from './helpers.js';

const SLACK_MS = 50;

let sink: LocalServer | undefined;
let proxy: RunningProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  await sink?.close();
  proxy = undefined;
  sink = undefined;
});

/**
 * Starts a sink behind a proxy with `options`, sends `bytes` on each of `connections`
 * connections at once, and resolves with the times (ms, in finishing order) at which the
 * sink had received all of a connection's bytes.
 */
async function timedUploads(options: Omit<ProxyOptions, 'target'>, bytes: number, connections: number): Promise<number[]> {
  const times: number[] = [];
  let started = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  sink = await startSinkServer((total) => {
    if (total !== bytes) return;
    times.push(performance.now() - started);
    if (times.length === connections) allDone();
  });
  proxy = await startProxy({ target: { host: '127.0.0.1', port: sink.port }, ...options });
  const clients = await Promise.all(Array.from({ length: connections }, () => connectTo(proxy!.port)));
  started = performance.now();
  for (const client of clients) client.write(Buffer.alloc(bytes, 0x62));
  await finished;
  for (const client of clients) client.destroy();
  return times;
}

describe('proxy bandwidth cap', { timeout: 20_000 }, () => {
  it('holds 200 KB at 800 kbit/s to at least 2 s', async () => {
    const [elapsed = 0] = await timedUploads({ bandwidthBitsPerSecond: 800_000 }, 200_000, 1);
    console.info(`200000 bytes at 800 kbit/s: ${elapsed.toFixed(0)} ms (bits/rate = 2000 ms, less a 10 ms burst)`);
    expect(elapsed).toBeGreaterThanOrEqual(2000 - SLACK_MS);
  });

  it('shares one cap among all connections with scope "shared"', async () => {
    const times = await timedUploads({ bandwidthBitsPerSecond: 800_000, bandwidthScope: 'shared' }, 100_000, 2);
    console.info(`2 × 100000 bytes, shared 800 kbit/s: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms (bits/rate for both: 2000 ms)`);
    expect(Math.max(...times)).toBeGreaterThanOrEqual(2000 - SLACK_MS);
  });

  it('gives each connection its own cap with scope "connection"', async () => {
    const times = await timedUploads({ bandwidthBitsPerSecond: 800_000, bandwidthScope: 'connection' }, 100_000, 2);
    console.info(`2 × 100000 bytes, 800 kbit/s each: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms (bits/rate: 1000 ms each)`);
    for (const ms of times) expect(ms).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    // The one upper bound here tells the two scopes apart: a shared cap could not finish
    // both under 2 s, separate caps finish both in about 1 s, so 1.9 s leaves 0.9 s of slack.
    expect(Math.max(...times)).toBeLessThan(1900);
  });

  it('stops reading when a direction holds more than its bound, so memory stays bounded', async () => {
    const bound = 64 * 1024;
    const [elapsed = 0] = await timedUploads({ bandwidthBitsPerSecond: 8_000_000, maxQueuedBytes: bound }, 1_000_000, 1);
    const stats = proxy!.stats();
    console.info(
      `1 MB at 8 Mbit/s behind a 64 KiB bound: ${elapsed.toFixed(0)} ms, peak queued ${stats.peakQueuedBytes} bytes, ${stats.backpressurePauses} pauses`,
    );
    expect(stats.backpressurePauses).toBeGreaterThan(0);
    // One socket read (at most 64 KiB) can land on top of a line just under its bound.
    expect(stats.peakQueuedBytes).toBeLessThanOrEqual(bound + 64 * 1024);
    expect(stats.bytesClientToServer).toBe(1_000_000);
    expect(elapsed).toBeGreaterThanOrEqual(1000 - SLACK_MS);
  });
});
