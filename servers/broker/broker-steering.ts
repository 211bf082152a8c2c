import { FEED_LIMITS, type FeedMode } from '../config.js';
import { WirelabError } from '../../wire/errors.js';
import { FeedDriver, type FeedSettings, type FeedSteering } from '../sources/driver.js';
import type { BrokerFeed } from './broker-feed.js';
import { describeError, type RedisConnection } from './connection.js';
import { pairs, type StreamEntry } from './entries.js';
import type { BrokerHealth } from './health.js';
import type { BrokerKeys } from './keys.js';
import { runScript, SEED_SETTINGS, SET_SETTINGS } from './scripts.js';

/** The publisher's answer to a settings change: what it applied and the last seq before. */
interface Applied {
  readonly version: number;
  readonly head: number;
  readonly epoch: string;
  readonly settings: FeedSettings;
}

interface AckWaiter {
  readonly version: number;
  readonly resolve: (applied: Applied | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

export interface BrokerSteeringOptions {
  readonly keys: BrokerKeys;
  readonly instanceId: string;
  /** The broker URL as reports show it (no password). */
  readonly brokerUrl: string;
  /** Settings this instance seeds the feed with if the broker has none. */
  readonly initial: FeedSettings;
  readonly demoIntervalMs: readonly [number, number];
  /** Longest wait for the publisher to apply new settings. */
  readonly timeoutMs: number;
}

/**
 * Steers the one shared feed from any instance. A control call stores the settings in Redis
 * under a new version and posts a `set` notice on the control stream; the publisher (the lock
 * holder, the only instance running a source) applies it, waits for its last updates to be
 * written, and posts `applied` with the last seq. The calling instance answers once it has
 * read up to that seq, so a harness that sets the feed idle knows the exact last update.
 */
export class BrokerSteering implements FeedSteering {
  private current: FeedSettings;
  private version = 0;
  private lastApplied: Applied | undefined;
  private ackWaiters: AckWaiter[] = [];
  private readonly driver: FeedDriver;
  private publisher = false;
  /** The publisher's work, one step at a time: taking over, then each settings change in order. */
  private publisherWork: Promise<void> = Promise.resolve();

  constructor(
    private readonly commands: RedisConnection,
    private readonly feed: BrokerFeed,
    private readonly health: BrokerHealth,
    private readonly options: BrokerSteeringOptions,
  ) {
    this.current = options.initial;
    this.driver = new FeedDriver(feed, options.initial, options.demoIntervalMs);
  }

  get settings(): FeedSettings {
    return this.current;
  }

  /** Reads the stored settings, so `/stats` shows the shared feed's even before any change. */
  async load(): Promise<void> {
    const stored = settingsFrom(pairs(await this.commands.sendCommand(['HGETALL', this.options.keys.settings])));
    if (stored !== undefined) [this.version, this.current] = stored;
  }

  async apply(settings: FeedSettings): Promise<void> {
    const { keys, brokerUrl, timeoutMs } = this.options;
    // A counted feed would have to survive a change of publisher: not offered through a broker.
    if (settings.count !== undefined)
      throw new WirelabError('WL_BAD_BODY', 'count needs the embedded feed; this server shares its feed through a broker');
    if (!this.health.up) throw new WirelabError('WL_BROKER_DOWN', brokerUrl, this.health.lastError ?? 'not connected');
    let version: number;
    try {
      version = Number(
        await runScript(
          this.commands,
          SET_SETTINGS,
          [keys.settings, keys.control],
          [settings.mode, String(settings.rate), String(settings.payload)],
        ),
      );
    } catch (error) {
      throw new WirelabError('WL_BROKER_DOWN', brokerUrl, describeError(error));
    }
    const applied = await this.appliedAt(version, timeoutMs);
    if (applied === undefined) throw new WirelabError('WL_NO_PUBLISHER', timeoutMs);
    const reached = await this.feed.waitForHead(applied.head, applied.epoch, timeoutMs);
    if (!reached && applied.epoch === this.feed.epoch) {
      throw new WirelabError('WL_BROKER_DOWN', brokerUrl, `this instance did not read up to seq ${applied.head} within ${timeoutMs} ms`);
    }
  }

  /** Notices from the control stream, in order. */
  onControl(entries: readonly StreamEntry[]): void {
    for (const { fields } of entries) {
      if (fields.type === 'set') {
        const parsed = settingsFrom(fields);
        if (parsed !== undefined && this.publisher) this.asPublisher(() => this.applyAsPublisher(parsed[1], parsed[0]));
      } else if (fields.type === 'applied') {
        this.noteApplied(fields);
      } else if (fields.type === 'epoch' && fields.epoch !== this.feed.epoch && this.feed.resyncNeeded === 'none') {
        this.feed.resyncNeeded = 'check';
      }
    }
  }

  /** The publisher lock was taken or lost. */
  onPublisher(held: boolean): void {
    this.publisher = held;
    if (!held) {
      this.driver.stop();
      this.feed.writer.stop();
      return;
    }
    this.asPublisher(async () => {
      await this.feed.writer.start();
      if (!this.publisher) return;
      const { keys, initial } = this.options;
      const stored = settingsFrom(
        pairs(
          await runScript(this.commands, SEED_SETTINGS, [keys.settings], [initial.mode, String(initial.rate), String(initial.payload)]),
        ),
      );
      if (stored !== undefined && this.publisher) await this.applyAsPublisher(stored[1], stored[0]);
    });
  }

  /** Counted feeds are refused here (see apply), so nothing is ever left to finish. */
  finished(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Stops the source and waits until what it published is written. */
  async stop(): Promise<void> {
    this.publisher = false;
    this.driver.stop();
    await this.feed.writer.flushed();
    for (const waiter of this.ackWaiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
    this.ackWaiters = [];
  }

  private asPublisher(step: () => Promise<void>): void {
    this.publisherWork = this.publisherWork.then(step).catch(() => {
      // The broker went away mid-step: the lock lapses or is renewed, and a takeover re-applies the stored settings.
    });
  }

  private async applyAsPublisher(settings: FeedSettings, version: number): Promise<void> {
    if (!this.publisher) return;
    this.driver.apply(settings);
    await this.feed.writer.flushed();
    const { keys, instanceId } = this.options;
    await this.commands.sendCommand([
      'XADD',
      keys.control,
      'MAXLEN',
      '~',
      '1000',
      '*',
      'type',
      'applied',
      'version',
      String(version),
      'head',
      String(this.feed.writer.lastWritten),
      'epoch',
      this.feed.epoch,
      'mode',
      settings.mode,
      'rate',
      String(settings.rate),
      'payload',
      String(settings.payload),
      'by',
      instanceId,
    ]);
  }

  private noteApplied(fields: Readonly<Record<string, string>>): void {
    const parsed = settingsFrom(fields);
    const head = Number(fields.head);
    if (parsed === undefined || !Number.isSafeInteger(head) || fields.epoch === undefined) return;
    const [version, settings] = parsed;
    const applied: Applied = { version, head, epoch: fields.epoch, settings };
    if (version >= this.version) {
      this.version = version;
      this.current = settings;
    }
    this.lastApplied = applied;
    const done = this.ackWaiters.filter((waiter) => waiter.version <= version);
    this.ackWaiters = this.ackWaiters.filter((waiter) => waiter.version > version);
    for (const waiter of done) {
      clearTimeout(waiter.timer);
      waiter.resolve(applied);
    }
  }

  /** Resolves with the first `applied` notice covering `version`, or undefined after `timeoutMs`. */
  private appliedAt(version: number, timeoutMs: number): Promise<Applied | undefined> {
    if (this.lastApplied !== undefined && this.lastApplied.version >= version) return Promise.resolve(this.lastApplied);
    return new Promise((resolve) => {
      const waiter: AckWaiter = {
        version,
        resolve,
        timer: setTimeout(() => {
          this.ackWaiters = this.ackWaiters.filter((other) => other !== waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      this.ackWaiters.push(waiter);
    });
  }
}

const MODES: readonly FeedMode[] = ['demo', 'bench', 'idle'];

/** `[version, settings]` from a settings hash or a control notice; undefined if anything is off. */
function settingsFrom(fields: Readonly<Record<string, string>>): [number, FeedSettings] | undefined {
  const version = Number(fields.version);
  const rate = Number(fields.rate);
  const payload = Number(fields.payload);
  const mode = fields.mode as FeedMode;
  if (!MODES.includes(mode) || !Number.isSafeInteger(version)) return undefined;
  if (!Number.isInteger(rate) || rate < 0 || rate > FEED_LIMITS.maxRate) return undefined;
  if (!Number.isInteger(payload) || payload < 0 || payload > FEED_LIMITS.maxPayload) return undefined;
  return [version, { mode, rate, payload }];
}
