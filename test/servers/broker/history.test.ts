import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.js';
import {
  brokerKeys,
  collect,
  eventually,
  Log,
  PROTOCOLS,
  publishOnAny,
  range,
  redisClient,
  startInstance,
  type Instance,
} from './helpers.js';

const HISTORY = 5;

/**
 * The stream is trimmed to about the history size; each instance keeps the same bound. A
 * resume point older than that, on any instance, gets an explicit `reset`, never a gap.
 */
describe('broker: history bound and reset', () => {
  let redis: TestRedis;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startInstance(redis.url, 'history', { historySize: HISTORY });
    await a.server.context.broker!.whenPublisher();
    await publishOnAny([a], 20);
    await eventually(() => a.server.context.feed.head === 20, 'A to read 20 updates');
    // B starts after the trimming: it loads its copy from the stream's tail.
    b = await startInstance(redis.url, 'history', { historySize: HISTORY });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('trims the stream with MAXLEN ~ and loads the last history-size updates on a new instance', async () => {
    const client = await redisClient(redis.url);
    const length = Number(await client.sendCommand(['XLEN', brokerKeys('history').stream]));
    await client.close();
    expect(length).toBeGreaterThanOrEqual(HISTORY);
    expect(length).toBeLessThanOrEqual(20);
    expect(b.server.context.feed.head).toBe(20);
    expect(b.server.context.feed.oldest).toBe(16);
  });

  it.each(PROTOCOLS)(
    '%s: a cursor older than the history gets reset too-old on the other instance, then every update',
    async (protocol) => {
      const epoch = a.server.context.feed.epoch;
      const head = b.server.context.feed.head;
      const log = new Log({ epoch, seq: 3 });
      const collector = await collect(protocol, b.url, log);
      await eventually(() => log.resets.length === 1, `${protocol}: the reset`);
      expect(log.resets[0]).toMatchObject({ type: 'reset', reason: 'too-old', seq: head, epoch });
      await publishOnAny([a, b], 3);
      await eventually(() => log.seq === head + 3, `${protocol}: updates after the reset`);
      collector.stop();
      await collector.ended;
      expect(log.seqs).toEqual(range(head + 1, head + 3));
    },
  );

  it.each(PROTOCOLS)('%s: the oldest resume point still held is honoured, one before it is not', async (protocol) => {
    const epoch = a.server.context.feed.epoch;
    const { head, oldest } = b.server.context.feed;
    const log = new Log({ epoch, seq: oldest - 1 });
    const collector = await collect(protocol, b.url, log);
    await eventually(() => log.seq === head, `${protocol}: catch-up`);
    collector.stop();
    await collector.ended;
    expect(log.resets).toEqual([]);
    expect(log.seqs).toEqual(range(oldest, head));
  });

  it.each(PROTOCOLS)('%s: a cursor from another feed run gets reset epoch', async (protocol) => {
    const log = new Log({ epoch: 'otherrun1', seq: 2 });
    const collector = await collect(protocol, b.url, log);
    await eventually(() => log.resets.length === 1, `${protocol}: the reset`);
    collector.stop();
    await collector.ended;
    expect(log.resets[0]).toMatchObject({ reason: 'epoch', epoch: a.server.context.feed.epoch });
  });
});
