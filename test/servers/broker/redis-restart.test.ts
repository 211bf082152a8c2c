import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.js';
import {
  collect,
  controlFeed,
  eventually,
  Log,
  PROTOCOLS,
  publisherOf,
  range,
  redisClient,
  startInstance,
  stats,
  type Collector,
  type Instance,
} from './helpers.js';

interface Client {
  readonly protocol: (typeof PROTOCOLS)[number];
  readonly log: Log;
  readonly collector: Collector;
  ended: boolean;
}

/** Every transport on both instances: eight clients that stay connected throughout. */
async function connectClients(instances: readonly Instance[], epoch: string, seq: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (const instance of instances) {
    for (const protocol of PROTOCOLS) {
      const log = new Log({ epoch, seq });
      const client: Client = { protocol, log, collector: await collect(protocol, instance.url, log), ended: false };
      void client.collector.ended.then(() => (client.ended = true));
      clients.push(client);
    }
  }
  return clients;
}

async function metricsUp(url: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return /^wirelab_broker_up (\d)$/m.exec(text)?.[1];
}

/**
 * Redis goes away and comes back on the same port. The instances keep every client, report the
 * broker as down meanwhile, and read on from their last id when it returns.
 */
describe('broker: Redis restarts', () => {
  let redis: TestRedis | undefined;
  let instances: Instance[] = [];
  let clients: Client[] = [];

  afterEach(async () => {
    for (const client of clients) client.collector.stop();
    await Promise.all(instances.map((instance) => instance.close()));
    await redis?.stop();
    clients = [];
    instances = [];
  });

  /**
   * Two instances on a fresh Redis (`persistent`: it keeps its data over a restart), the first
   * the publisher; a client of every transport on each, reading the bench feed at 100 updates/s
   * until every one has 20 of them. Returns where the clients started.
   */
  async function twoInstancesReading(persistent: boolean): Promise<{ a: Instance; b: Instance; epoch: string; start: number }> {
    redis = await startRedis({ persistent });
    instances.push(await startInstance(redis.url, 'restart'));
    await instances[0]!.server.context.broker!.whenPublisher();
    instances.push(await startInstance(redis.url, 'restart'));
    const [a, b] = instances as [Instance, Instance];
    const { epoch, head: start } = b.server.context.feed;
    clients = await connectClients(instances, epoch, start);
    expect((await controlFeed(b.url, { mode: 'bench', rate: 100, payload: 120 })).status).toBe(200);
    await eventually(() => clients.every((client) => client.log.seq >= start + 20), 'every client to read 20 updates');
    return { a, b, epoch, start };
  }

  async function outage(target: TestRedis): Promise<void> {
    await target.kill();
    // Reported as down on every instance, in /stats and /metrics, while clients stay connected.
    for (const instance of instances) {
      await eventually(async () => (await stats(instance.url)).broker?.up === false, 'the broker reported down');
      expect(await metricsUp(instance.url)).toBe('0');
    }
    await target.restart();
    for (const instance of instances) {
      await eventually(async () => (await stats(instance.url)).broker?.up === true, 'the broker reported up again', 15_000);
      expect(await metricsUp(instance.url)).toBe('1');
    }
  }

  it('keeping its data: zero loss and no duplicates for connected clients, same epoch, no reset', async () => {
    const { a, b, epoch, start } = await twoInstancesReading(true);

    await outage(redis!);

    // Publishing goes on from the stream's last id (the stored settings still say bench).
    const back = (await publisherOf(instances)).server.context.feed.head;
    await eventually(
      () => a.server.context.feed.head >= back + 20 && b.server.context.feed.head >= back + 20,
      'publishing to go on',
      15_000,
    );
    const fence = await controlFeed(a.url, { mode: 'idle' });
    expect(fence.status).toBe(200);
    expect(fence.body.feed!.epoch).toBe(epoch);
    const last = fence.body.feed!.head;
    await eventually(() => clients.every((client) => client.log.seq === last), 'every client to reach the last update');
    for (const client of clients) {
      expect(client.ended, client.protocol).toBe(false);
      expect(client.log.resets, client.protocol).toEqual([]);
      expect(client.log.seqs, client.protocol).toEqual(range(start + 1, last));
    }
    for (const instance of instances) expect(instance.server.context.broker!.status().outages).toBe(1);
  }, 60_000);

  it('a lost command connection alone: reported down, back by itself, nothing lost', async () => {
    redis = await startRedis();
    instances.push(await startInstance(redis.url, 'commands'));
    const [a] = instances as [Instance];
    await a.server.context.broker!.whenPublisher();
    const { epoch, head: start } = a.server.context.feed;
    clients = await connectClients(instances, epoch, start);
    expect((await controlFeed(a.url, { mode: 'bench', rate: 100, payload: 120 })).status).toBe(200);
    await eventually(() => clients.every((client) => client.log.seq >= start + 10), 'every client to read 10 updates');
    // An operator (or a proxy) cuts the instance's command connection; its blocking reader stays.
    const admin = await redisClient(redis.url);
    const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
    const id = /id=(\d+) .*name=wirelab-commands /.exec(list)?.[1];
    expect(id).toBeDefined();
    await admin.sendCommand(['CLIENT', 'KILL', 'ID', id!]);
    await admin.close();
    await eventually(() => a.server.context.broker!.status().outages === 1, 'the outage to be counted');
    await eventually(() => a.server.context.broker!.status().up, 'the broker back up');
    const back = a.server.context.feed.head;
    await eventually(() => a.server.context.feed.head >= back + 10, 'publishing to go on', 15_000);
    const fence = await controlFeed(a.url, { mode: 'idle' });
    const last = fence.body.feed!.head;
    await eventually(() => clients.every((client) => client.log.seq === last), 'every client to reach the last update');
    for (const client of clients) {
      expect(client.log.resets, client.protocol).toEqual([]);
      expect(client.log.seqs, client.protocol).toEqual(range(start + 1, last));
    }
  }, 60_000);

  it('losing its data: a new epoch, and every connected client gets one reset, never a silent gap', async () => {
    const { a, b, epoch, start } = await twoInstancesReading(false);

    await outage(redis!);

    await eventually(() => clients.every((client) => client.log.resets.length === 1), 'every client to get the reset');
    const fresh = a.server.context.feed.epoch;
    expect(fresh).not.toBe(epoch);
    expect(b.server.context.feed.epoch).toBe(fresh);
    // The stored settings went with the data: the new publisher seeded its own (idle). Run the new epoch's feed.
    expect((await controlFeed(a.url, { mode: 'bench', rate: 100, payload: 120 })).status).toBe(200);
    await eventually(() => b.server.context.feed.head >= 20, 'the new epoch to publish');
    const fence = await controlFeed(b.url, { mode: 'idle' });
    const last = fence.body.feed!.head;
    await eventually(
      () => clients.every((client) => client.log.epoch === fresh && client.log.seq === last),
      'every client to reach the last update',
    );
    for (const client of clients) {
      expect(client.ended, client.protocol).toBe(false);
      const [reset] = client.log.resets;
      expect(reset, client.protocol).toMatchObject({ type: 'reset', reason: 'epoch', epoch: fresh });
      // Before the reset: the old run without a gap; after it: the new run from its reset point, without a gap.
      const cut = client.log.seqs.findIndex((seq, index) => index > 0 && seq <= client.log.seqs[index - 1]!);
      const before = cut === -1 ? client.log.seqs : client.log.seqs.slice(0, cut);
      const after = cut === -1 ? [] : client.log.seqs.slice(cut);
      expect(before, client.protocol).toEqual(range(start + 1, start + before.length));
      expect(after, client.protocol).toEqual(range(reset!.seq + 1, last));
    }
    for (const instance of instances) expect(instance.server.context.broker!.status().resets).toBe(1);
  }, 60_000);
});
