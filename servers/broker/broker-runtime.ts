import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { redactedBrokerUrl, type ResolvedServerOptions } from '../config.js';
import { BrokerFeed } from './broker-feed.js';
import { BrokerSteering } from './broker-steering.js';
import { closeConnection, describeError, openConnection, type RedisConnection } from './connection.js';
import { BrokerHealth } from './health.js';
import { brokerKeys } from './keys.js';
import { PublisherLock } from './publisher-lock.js';
import { StreamReader } from './stream-reader.js';

/** What `/stats` reports under `broker`; docs/metrics.md defines each. */
export interface BrokerStatus {
  readonly url: string;
  readonly feed: string;
  readonly instance: string;
  readonly up: boolean;
  readonly downForMs: number;
  readonly outages: number;
  readonly lastError: string | null;
  readonly publisher: boolean;
  readonly published: number;
  readonly publishRefused: number;
  readonly conflicts: number;
  readonly resets: number;
}

/** One instance's part in a broker-backed feed: the feed, its steering, and their lifecycle. */
export interface BrokerRuntime {
  readonly feed: BrokerFeed;
  readonly steering: BrokerSteering;
  readonly instanceId: string;
  status(): BrokerStatus;
  /** Starts competing for the publisher lock (called once the server listens). */
  startPublishing(): void;
  /** Resolves once this instance holds the lock and knows the stream's end (tests, tools). */
  whenPublisher(timeoutMs?: number): Promise<void>;
  /** Stops publishing (handing the lock over), stops reading, closes the connections. */
  close(): Promise<void>;
}

/**
 * Connects to the broker and loads the local copy of the feed. Rejects with a message naming the
 * broker if it cannot be reached at start-up; once running, outages are survived and reported.
 */
export async function startBroker(options: ResolvedServerOptions & { broker: string }): Promise<BrokerRuntime> {
  const url = redactedBrokerUrl(options.broker);
  const keys = brokerKeys(options.brokerFeed);
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const health = new BrokerHealth();
  let feedRef: BrokerFeed | undefined;
  const hooks = {
    onReady: () => {},
    onDown: (error: Error) => {
      health.markDown(error);
      // Either connection: the reader checks the copy again before it reports the broker up,
      // even if its own connection never broke.
      if (feedRef !== undefined && feedRef.resyncNeeded === 'none') feedRef.resyncNeeded = 'check';
    },
  };
  const opened: RedisConnection[] = [];
  try {
    const commands = await openConnection(options.broker, 'wirelab-commands', hooks);
    opened.push(commands);
    // XREAD BLOCK holds its connection: the read loop gets one of its own.
    const reader = await openConnection(options.broker, 'wirelab-reader', hooks);
    opened.push(reader);

    const feed = new BrokerFeed(commands, health, { historySize: options.historySize, keys, instanceId, preferredEpoch: options.epoch });
    feedRef = feed;
    const steering = new BrokerSteering(commands, feed, health, {
      keys,
      instanceId,
      brokerUrl: url,
      initial: { mode: options.mode, rate: options.rate, payload: options.payload },
      demoIntervalMs: options.demoIntervalMs,
      timeoutMs: Math.max(5000, 3 * options.brokerLockMs),
    });
    const streamReader = new StreamReader(reader, commands, feed, keys, health, (entries) => steering.onControl(entries));
    const lock = new PublisherLock(
      commands,
      keys,
      instanceId,
      options.brokerLockMs,
      (held) => steering.onPublisher(held),
      async () => {
        // A notice can be missed (trimmed, or the broker restarted): the epoch is checked once a tick too.
        if (!health.up || feed.resyncNeeded !== 'none') return;
        const epoch = (await commands.sendCommand(['GET', keys.epoch])) as string | null;
        if (epoch !== feed.epoch && feed.resyncNeeded === 'none') feed.resyncNeeded = 'check';
      },
    );
    feed.writer.onLockLost = () => lock.lost();
    await steering.load();
    await streamReader.start();

    let closing: Promise<void> | undefined;
    return {
      feed,
      steering,
      instanceId,
      status: () => ({
        url,
        feed: options.brokerFeed,
        instance: instanceId,
        up: health.up,
        downForMs: health.downForMs(),
        outages: health.outages,
        lastError: health.lastError ?? null,
        publisher: lock.isHeld,
        published: feed.writer.counters.published,
        publishRefused: feed.writer.counters.refused,
        conflicts: feed.writer.counters.conflicts,
        resets: feed.resets,
      }),
      startPublishing: () => lock.start(),
      async whenPublisher(timeoutMs = 10_000) {
        const deadline = performance.now() + timeoutMs;
        while (!(lock.isHeld && feed.writer.publishing)) {
          if (performance.now() > deadline) throw new Error(`instance ${instanceId} did not become the publisher within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      close() {
        closing ??= (async () => {
          await steering.stop();
          await lock.stop();
          const stopped = streamReader.stop();
          for (const connection of opened) closeConnection(connection);
          await stopped;
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const connection of opened) closeConnection(connection);
    throw new Error(`cannot use the broker at ${url}: ${describeError(error)}`);
  }
}
