import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerFeed } from '../../../servers/broker/broker-feed.js';
import { closeConnection, openConnection, type RedisConnection } from '../../../servers/broker/connection.js';
import { parseEntries } from '../../../servers/broker/entries.js';
import { BrokerHealth } from '../../../servers/broker/health.js';
import { brokerKeys, type BrokerKeys } from '../../../servers/broker/keys.js';
import type { FeedMessage } from '../../../servers/feed.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { redisClient } from './helpers.js';

/**
 * The broker-backed feed on its own, with no stream reader: the test appends entries to the
 * stream by hand and hands them to `ingest`, so each path is taken deliberately.
 */
describe('BrokerFeed', () => {
  let redis: TestRedis;
  let connection: RedisConnection;
  let admin: Awaited<ReturnType<typeof redisClient>>;
  let keys: BrokerKeys;
  let feed: BrokerFeed;
  let batches: FeedMessage[][];
  let feedIndex = 0;

  beforeAll(async () => {
    redis = await startRedis();
    connection = await openConnection(redis.url, 'test', { onReady: () => {}, onDown: () => {} });
    admin = await redisClient(redis.url);
  });

  afterAll(async () => {
    await admin?.close();
    if (connection !== undefined) closeConnection(connection);
    await redis?.stop();
  });

  async function newFeed(historySize = 10): Promise<void> {
    keys = brokerKeys(`unit${++feedIndex}`);
    const health = new BrokerHealth();
    health.markUp();
    feed = new BrokerFeed(connection, health, { historySize, keys, instanceId: 'test-instance', preferredEpoch: 'firstrun' });
    batches = [];
    feed.subscribe((batch) => batches.push([...batch]));
    await feed.resync();
  }

  /** Appends updates `from..to` as a publisher would, and returns them as read back. */
  async function append(from: number, to: number, epoch = feed.epoch) {
    for (let seq = from; seq <= to; seq++) {
      await admin.sendCommand([
        'XADD',
        keys.stream,
        `${seq}-0`,
        'e',
        epoch,
        't',
        String(1000 + seq),
        'm',
        `{"seq":${seq},"ts":${1000 + seq},"type":"update","data":{}}`,
      ]);
    }
    return parseEntries(await admin.sendCommand(['XRANGE', keys.stream, `${from}-0`, `${to}-0`]));
  }

  afterEach(() => {
    feed.writer.stop();
  });

  it('starts a feed the broker does not have, with the preferred epoch, empty', async () => {
    await newFeed();
    expect(feed.epoch).toBe('firstrun');
    expect(await admin.sendCommand(['GET', keys.epoch])).toBe('firstrun');
    expect([feed.head, feed.oldest]).toEqual([0, 1]);
    expect(feed.resyncNeeded).toBe('none');
  });

  it('takes a cursor its copy has not reached if the stream has it, once the copy gets there', async () => {
    await newFeed();
    const entries = await append(1, 3);
    expect(await feed.reaches(4)).toBe(false);
    let answered: boolean | undefined;
    const asking = feed.reaches(3).then((value) => (answered = value));
    // Still waiting: the copy is at 0.
    await admin.sendCommand(['PING']);
    expect(answered).toBeUndefined();
    feed.ingest(entries);
    expect(await asking).toBe(true);
    expect(feed.head).toBe(3);
    expect(feed.read({ since: 0, epoch: feed.epoch })).toMatchObject({ kind: 'events', events: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] });
  });

  it('answers a cursor ahead of its copy with nothing yet, never with updates it does not have', async () => {
    await newFeed();
    feed.ingest(await append(1, 2));
    expect(feed.read({ since: 5, epoch: feed.epoch })).toEqual({ kind: 'events', events: [] });
  });

  it('on a gap (trimmed before it was read) reloads the tail and resets its subscribers too-old', async () => {
    await newFeed(4);
    feed.ingest(await append(1, 2));
    const later = await append(3, 12);
    // Updates 3.. were trimmed away before this copy read them.
    await admin.sendCommand(['XTRIM', keys.stream, 'MINID', '9-0']);
    feed.ingest(later.slice(6));
    expect(feed.resyncNeeded).toBe('reload');
    expect(feed.head).toBe(2);
    await feed.resync();
    expect([feed.head, feed.oldest]).toEqual([12, 9]);
    const reset = batches.at(-1)!;
    expect(reset).toHaveLength(1);
    expect(JSON.parse(reset[0]!.json)).toMatchObject({ type: 'reset', reason: 'too-old', seq: 12, epoch: feed.epoch });
  });

  it('starts a new epoch when the broker comes back with less than it had served', async () => {
    await newFeed();
    const before = feed.epoch;
    feed.ingest(await append(1, 6));
    // Redis restored from an older copy: the same epoch, but the stream ends at 4.
    await admin.sendCommand(['DEL', keys.stream]);
    await append(1, 4, before);
    feed.resyncNeeded = 'check';
    await feed.resync();
    expect(feed.epoch).not.toBe(before);
    expect(await admin.sendCommand(['GET', keys.epoch])).toBe(feed.epoch);
    expect(feed.head).toBe(0);
    expect(JSON.parse(batches.at(-1)![0]!.json)).toMatchObject({ type: 'reset', reason: 'epoch', seq: 0, epoch: feed.epoch });
  });

  it('starts a new epoch when the entry at its head is not the one it served', async () => {
    await newFeed();
    const before = feed.epoch;
    feed.ingest(await append(1, 3));
    // As long as before, but update 3 is another one.
    await admin.sendCommand(['DEL', keys.stream]);
    await append(1, 2, before);
    await admin.sendCommand(['XADD', keys.stream, '3-0', 'e', before, 't', '99999', 'm', '{}']);
    feed.resyncNeeded = 'check';
    await feed.resync();
    expect(feed.epoch).not.toBe(before);
  });

  it('keeps its copy and epoch when the broker has everything it served', async () => {
    await newFeed();
    const before = feed.epoch;
    feed.ingest(await append(1, 5));
    await append(6, 7);
    feed.resyncNeeded = 'check';
    await feed.resync();
    expect(feed.epoch).toBe(before);
    expect(feed.head).toBe(5);
    expect(batches.every((batch) => batch.every((message) => message.type === 'update'))).toBe(true);
  });
});
