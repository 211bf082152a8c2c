import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.js';
import {
  collect,
  controlFeed,
  eventually,
  Log,
  PROTOCOLS,
  range,
  spawnInstance,
  startInstance,
  stats,
  type ChildInstance,
  type Collector,
  type Instance,
} from './helpers.js';

/**
 * The publishing instance dies (SIGKILL, its own process): its clients resume on the other
 * instance with their cursors, the other instance takes the lock over and continues the same
 * sequence in the same epoch. Nothing is lost and nothing repeated for any client.
 */
describe('broker: a publishing instance killed', () => {
  let redis: TestRedis;
  let a: ChildInstance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await spawnInstance(redis.url, 'failover');
    await eventually(async () => (await stats(a.url)).broker?.publisher === true, 'A to become the publisher');
    b = await startInstance(redis.url, 'failover');
  }, 60_000);

  afterAll(async () => {
    await a?.kill();
    await b?.close();
    await redis?.stop();
  });

  it('every client of A resumes on B with zero loss and zero duplicates, on all four transports', async () => {
    const start = await stats(a.url);
    const epoch = b.server.context.feed.epoch;
    const logs = PROTOCOLS.map(() => new Log({ epoch, seq: start.feed.head }));
    const onA: Collector[] = [];
    for (const [index, protocol] of PROTOCOLS.entries()) onA.push(await collect(protocol, a.url, logs[index]!));
    expect((await controlFeed(a.url, { mode: 'bench', rate: 100, payload: 120 })).status).toBe(200);
    await eventually(() => logs.every((log) => log.seq >= start.feed.head + 20), 'every client to read 20 updates on A');

    await a.kill();
    const killedAt = b.server.context.feed.head;
    // Each connection to A ends (or its next poll fails) once the process is gone.
    await Promise.all(onA.map((collector) => collector.ended));
    const onB: Collector[] = [];
    for (const [index, protocol] of PROTOCOLS.entries()) onB.push(await collect(protocol, b.url, logs[index]!));

    // B takes the lock once A's lapses and goes on with the stored settings (bench, 100/s).
    await eventually(
      () => b.server.context.broker!.status().publisher && b.server.context.feed.head >= killedAt + 20,
      'B to take over publishing',
      15_000,
    );
    const fence = await controlFeed(b.url, { mode: 'idle' });
    expect(fence.status).toBe(200);
    const last = fence.body.feed!.head;
    expect(fence.body.feed!.epoch).toBe(epoch);
    await eventually(() => logs.every((log) => log.seq === last), 'every client to reach the last update');
    for (const collector of onB) collector.stop();
    await Promise.all(onB.map((collector) => collector.ended));

    for (const [index, log] of logs.entries()) {
      expect(log.resets, PROTOCOLS[index]).toEqual([]);
      expect(log.seqs, PROTOCOLS[index]).toEqual(range(start.feed.head + 1, last));
    }
    expect(b.server.context.broker!.status().published).toBeGreaterThan(0);
  }, 40_000);
});
