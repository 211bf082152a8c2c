import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISH, runScript } from '../../../servers/broker/scripts.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { brokerKeys, controlFeed, eventually, publish, publisherOf, redisClient, startInstance, stats, type Instance } from './helpers.js';

const FEED = 'publisher';
const keys = brokerKeys(FEED);

async function streamSeqs(url: string): Promise<number[]> {
  const client = await redisClient(url);
  const entries = (await client.sendCommand(['XRANGE', keys.stream, '-', '+'])) as Array<[string, string[]]>;
  await client.close();
  return entries.map(([id]) => Number(id.split('-')[0]));
}

/** Exactly one feed and one sequence, however many instances run. */
describe('broker: one publisher', () => {
  let redis: TestRedis;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startInstance(redis.url, FEED);
    await a.server.context.broker!.whenPublisher();
    b = await startInstance(redis.url, FEED);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('refuses a publish on an instance that does not hold the lock: nothing reaches the stream', async () => {
    const follower = (await publisherOf([a, b])) === a ? b : a;
    const before = await streamSeqs(redis.url);
    const refused = follower.server.context.broker!.status().publishRefused;
    publish(follower, 3);
    expect(follower.server.context.broker!.status()).toMatchObject({ publisher: false, publishRefused: refused + 3 });
    expect(await streamSeqs(redis.url)).toEqual(before);
  });

  it('steers the one feed from either instance: one source runs, the sequence has no gap or repeat', async () => {
    const started = await controlFeed(b.url, { mode: 'bench', rate: 200, payload: 100 });
    expect(started.status).toBe(200);
    expect(started.body.feed).toMatchObject({ mode: 'bench' });
    await eventually(() => b.server.context.feed.head >= started.body.feed!.head + 20, 'the bench source to publish');
    // The fence: once idle is answered, its head is the last update, on the instance that answered.
    const stopped = await controlFeed(b.url, { mode: 'idle' });
    expect(stopped.status).toBe(200);
    const fence = stopped.body.feed!.head;
    expect(b.server.context.feed.head).toBe(fence);
    const seqs = await streamSeqs(redis.url);
    expect(seqs.at(-1)).toBe(fence);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => seqs[0]! + index));
    expect((await stats(a.url)).feed.head).toBe(fence);
    expect(a.server.context.driver.settings.mode).toBe('idle');
    // Only publishers wrote, each its own share.
    const published = [a, b].map((instance) => instance.server.context.broker!.status().published);
    expect(published[0]! + published[1]!).toBe(fence);
  });

  it('refuses a publisher whose lock another instance has taken, which then steps down', async () => {
    const holder = await publisherOf([a, b]);
    const before = await streamSeqs(redis.url);
    const client = await redisClient(redis.url);
    // As if the holder's lock had lapsed while it stalled and another instance had taken it.
    await client.sendCommand(['SET', keys.publisher, 'someone-else', 'PX', '60000']);
    const refusedBefore = holder.server.context.broker!.status().publishRefused;
    publish(holder, 4);
    await eventually(() => holder.server.context.broker!.status().publishRefused === refusedBefore + 4, 'the broker to refuse the batch');
    expect(holder.server.context.broker!.status().publisher).toBe(false);
    expect(await streamSeqs(redis.url)).toEqual(before);
    // The lock is free again: one of the two takes it and the sequence goes on from the stream's end.
    await client.sendCommand(['DEL', keys.publisher]);
    await client.close();
    publish(await publisherOf([a, b]), 2);
    await eventually(async () => (await streamSeqs(redis.url)).at(-1) === before.at(-1)! + 2, 'the next two updates');
  });

  it('has the publish script refuse a writer without the lock, in another epoch, or not continuing the stream', async () => {
    const client = await redisClient(redis.url);
    const holder = await publisherOf([a, b]);
    const owner = holder.server.context.broker!.instanceId;
    const epoch = holder.server.context.feed.epoch;
    const last = (await streamSeqs(redis.url)).at(-1)!;
    const write = (asOwner: string, inEpoch: string, seq: number) =>
      runScript(
        client as never,
        PUBLISH,
        [keys.stream, keys.epoch, keys.publisher, keys.snapshot],
        [inEpoch, asOwner, '100', '1', String(seq), '1', '{}', ''],
      );
    await expect(write('intruder', epoch, last + 1)).rejects.toThrow(/^WLLOCK/);
    await expect(write(owner, 'oldrun', last + 1)).rejects.toThrow(/^WLEPOCH/);
    await expect(write(owner, epoch, last + 2)).rejects.toThrow(/^WLSEQ/);
    await expect(write(owner, epoch, last)).rejects.toThrow(/^WLSEQ/);
    // And Redis by itself: an explicit id not above the last one is refused.
    await expect(client.sendCommand(['XADD', keys.stream, `${last}-0`, 'e', epoch, 't', '0', 'm', '{}'])).rejects.toThrow(
      /equal or smaller/,
    );
    expect(await streamSeqs(redis.url)).not.toContain(last + 1);
    await client.close();
  });

  it('answers a control call with 503 WL_NO_PUBLISHER when nobody can apply it in time', async () => {
    // No instance can take the lock while someone else holds it.
    const client = await redisClient(redis.url);
    await client.sendCommand(['SET', keys.publisher, 'someone-else', 'PX', '60000']);
    await eventually(
      () => !a.server.context.broker!.status().publisher && !b.server.context.broker!.status().publisher,
      'both to lose the lock',
      5000,
    );
    const answer = await controlFeed(a.url, { mode: 'idle' });
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('WL_NO_PUBLISHER');
    await client.sendCommand(['DEL', keys.publisher]);
    await client.close();
  }, 20_000);
});
