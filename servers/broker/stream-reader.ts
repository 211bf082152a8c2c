import { setTimeout as delay } from 'node:timers/promises';
import type { BrokerFeed } from './broker-feed.js';
import type { RedisConnection } from './connection.js';
import { parseEntries, parseXRead, type StreamEntry } from './entries.js';
import type { BrokerHealth } from './health.js';
import type { BrokerKeys } from './keys.js';

/** Entries taken per stream and read. */
const READ_COUNT = 1000;
/** Longest block of one XREAD, so the loop looks at its flags at least this often. */
const BLOCK_MS = 1000;
/** How often a reader cut off from the broker looks whether its connections are back. */
const RECONNECT_POLL_MS = 50;

/**
 * The one blocking read loop of an instance, on its own connection: XREAD BLOCK over the feed's
 * stream (from the local head) and the control stream, handing updates to the feed and notices
 * to `onControl`. After any failure it waits for the broker, has the feed check its copy, and
 * reads on from the local head, so nothing is skipped and nothing read twice.
 */
export class StreamReader {
  private running = false;
  private controlId = '0-0';
  private loop: Promise<void> | undefined;

  constructor(
    private readonly reader: RedisConnection,
    private readonly commands: RedisConnection,
    private readonly feed: BrokerFeed,
    private readonly keys: BrokerKeys,
    private readonly health: BrokerHealth,
    private readonly onControl: (entries: readonly StreamEntry[]) => void,
  ) {}

  /** Loads the local copy and starts reading; rejects if the broker cannot be reached now. */
  async start(): Promise<void> {
    const [last] = parseEntries(await this.commands.sendCommand(['XREVRANGE', this.keys.control, '+', '-', 'COUNT', '1']));
    this.controlId = last?.id ?? '0-0';
    await this.feed.resync();
    this.health.markUp();
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current read; the caller closes the connection to end a blocked one. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.feed.resyncNeeded !== 'none') {
          await this.feed.resync();
          this.health.markUp();
        }
        const reply = await this.reader.sendCommand([
          'XREAD',
          'COUNT',
          String(READ_COUNT),
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          this.keys.stream,
          this.keys.control,
          `${this.feed.head}-0`,
          this.controlId,
        ]);
        if (!this.running) return;
        const byStream = parseXRead(reply);
        const updates = byStream.get(this.keys.stream);
        if (updates !== undefined) this.feed.ingest(updates);
        const notices = byStream.get(this.keys.control);
        if (notices !== undefined && notices.length > 0) {
          this.controlId = notices[notices.length - 1]!.id;
          this.onControl(notices);
        }
      } catch (error) {
        if (!this.running) return;
        this.health.markDown(error);
        if (this.feed.resyncNeeded === 'none') this.feed.resyncNeeded = 'check';
        await this.brokerBack();
      }
    }
  }

  private async brokerBack(): Promise<void> {
    await delay(RECONNECT_POLL_MS);
    while (this.running && !(this.reader.isReady && this.commands.isReady)) await delay(RECONNECT_POLL_MS);
  }
}
