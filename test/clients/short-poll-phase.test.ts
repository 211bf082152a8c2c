import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../bench/target/control-client.js';
import { spawnServer, type SpawnedServer } from '../../bench/target/spawn.js';
import { createClient } from '../../clients/index.js';
import type { FeedClient } from '../../clients/types.js';

const CLIENTS = 40;
const INTERVAL_MS = 500;
/** 10 updates per second: the publish period (100 ms) divides the poll interval. */
const RATE = 10;
const PERIOD_MS = 1000 / RATE;
const SAMPLES_PER_CLIENT = 20;

/**
 * Short polling at interval I delivers an update on the first poll after its publish, so with
 * poll phases spread evenly its latency is uniform over [0, I): p50 ≈ I/2. Clients started
 * together that poll in step are phase-locked to the feed instead: every one of them polls the
 * same few milliseconds after a publish, and the latency reads whatever that offset makes it.
 */
describe('short polling phase', () => {
  // Its own process: the feed's publish times must not depend on the clients' event loop.
  let server: SpawnedServer;
  const clients: FeedClient[] = [];
  /** Per client: latencies (ms) of the updates after the schedule settled. */
  const latencies: number[][] = [];

  beforeAll(async () => {
    server = await spawnServer();
    const control = new ControlClient(server.url, server.controlToken);
    await control.setFeed({ mode: 'bench', rate: RATE, payload: 64 });
    let firstSeq = Number.POSITIVE_INFINITY;
    let done: () => void = () => undefined;
    const allSampled = new Promise<void>((resolve) => (done = resolve));
    for (let index = 0; index < CLIENTS; index++) {
      const mine: number[] = [];
      latencies.push(mine);
      clients.push(
        createClient({
          url: server.url,
          protocol: 'short-poll',
          id: `phase${index}`,
          pollIntervalMs: INTERVAL_MS,
          handlers: {
            onUpdate(seq, ts, receivedAt) {
              if (seq <= firstSeq || mine.length >= SAMPLES_PER_CLIENT) return;
              mine.push((receivedAt - ts) / 1000);
              if (latencies.every((list) => list.length >= SAMPLES_PER_CLIENT)) done();
            },
          },
        }),
      );
    }
    // All at once, as a bench's connect phase starts them.
    await Promise.all(clients.map((client) => client.connect()));
    // Skip the connect poll and the one after it: count from one interval on.
    firstSeq = (await control.stats()).feed.head + (RATE * INTERVAL_MS) / 1000;
    await allSampled;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server?.stop();
  });

  it('has a p50 latency of about half the interval', () => {
    const all = latencies.flat().sort((a, b) => a - b);
    const p50 = all[Math.floor(all.length / 2)]!;
    expect(Math.abs(p50 - INTERVAL_MS / 2), `p50 ${p50} ms`).toBeLessThan(INTERVAL_MS * 0.1);
  });

  it('spreads the clients’ poll phases over the publish period instead of locking them to it', () => {
    // Each client's phase: how long after a publish it polls, its latency modulo the period,
    // averaged round the circle (a poll delayed by a busy moment is one sample of 20).
    const bins = new Array<number>(10).fill(0);
    for (const list of latencies) {
      const angles = list.map((latency) => ((latency % PERIOD_MS) / PERIOD_MS) * 2 * Math.PI);
      const mean = Math.atan2(sum(angles.map(Math.sin)), sum(angles.map(Math.cos)));
      const phase = (mean / (2 * Math.PI) + 1) % 1;
      bins[Math.min(bins.length - 1, Math.floor(phase * bins.length))]! += 1;
    }
    // Evenly spread: ~4 clients per 10 ms bin; phase-locked: nearly all in one or two bins.
    expect(Math.max(...bins), `clients per 10 ms of phase: ${bins.join(' ')}`).toBeLessThanOrEqual(CLIENTS * 0.3);
  });
});

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
