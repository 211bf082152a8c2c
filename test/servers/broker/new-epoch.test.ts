import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_EPOCH, runScript } from '../../../servers/broker/scripts.js';
import { getJson, type PollAnswer } from '../helpers.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { brokerKeys, eventually, publisherOf, redisClient, startInstance, type Instance } from './helpers.js';

const FEED = 'newepoch';
const keys = brokerKeys(FEED);

/** A new feed run started while an instance serves: nothing of the old run is served as the new one's. */
describe('broker: a new epoch while serving', () => {
  let redis: TestRedis;
  let a: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startInstance(redis.url, FEED);
  });

  afterAll(async () => {
    await a?.close();
    await redis?.stop();
  });

  it('short polling never answers from the old run’s cache when the new run reaches the same head', async () => {
    const old = a.server.context.feed.epoch;
    for (let n = 1; n <= 5; n++) (await publisherOf([a])).server.context.feed.publish({ run: 1, n });
    await eventually(() => a.server.context.feed.head === 5, 'the first run to reach 5');
    const first = await getJson(`${a.url}/poll?since=3&epoch=${old}`);
    expect(first.body.events.map((event) => event.data)).toEqual([
      { run: 1, n: 4 },
      { run: 1, n: 5 },
    ]);

    // Another instance (here the test) starts a new run, as after Redis lost its data.
    const admin = await redisClient(redis.url);
    const fresh = String(
      await runScript(admin as never, NEW_EPOCH, [keys.epoch, keys.stream, keys.snapshot, keys.control], [old, 'secondrun']),
    );
    await admin.close();
    expect(fresh).toBe('secondrun');
    await eventually(() => a.server.context.feed.epoch === fresh, 'the instance to take the new epoch');
    const publisher = await publisherOf([a]);
    for (let n = 1; n <= 5; n++) publisher.server.context.feed.publish({ run: 2, n });
    await eventually(() => a.server.context.feed.head === 5, 'the second run to reach 5');

    const second = await getJson<PollAnswer>(`${a.url}/poll?since=3&epoch=${fresh}`);
    expect(second.body.epoch).toBe(fresh);
    expect(second.body.events.map((event) => event.data)).toEqual([
      { run: 2, n: 4 },
      { run: 2, n: 5 },
    ]);
    // The old run's cursor gets its reset.
    const stale = await getJson<PollAnswer>(`${a.url}/poll?since=3&epoch=${old}`);
    expect(stale.body.events[0]).toMatchObject({ type: 'reset', reason: 'epoch', epoch: fresh, seq: 5 });
  });
});
