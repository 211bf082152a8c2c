import type { RedisConnection } from './connection.js';
import type { BrokerKeys } from './keys.js';
import { CLAIM_LOCK, RELEASE_LOCK, runScript } from './scripts.js';

/**
 * The publisher lock: a Redis key holding the id of the one instance that may publish, with a
 * time to live. Every instance tries to take it three times per life; the holder renews it.
 * A holder that cannot renew (broker unreachable) gives it up once its life may have run out,
 * and the publish script refuses any instance that does not hold it at that moment.
 */
export class PublisherLock {
  private held = false;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly commands: RedisConnection,
    private readonly keys: BrokerKeys,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly onChange: (held: boolean) => void,
    /** Runs after every tick: the instance's other periodic checks ride on it. */
    private readonly afterTick: () => Promise<void>,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
    void this.tick();
  }

  /** Stops trying; a holder gives the lock up so another instance can take over at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.held) return;
    this.set(false);
    await runScript(this.commands, RELEASE_LOCK, [this.keys.publisher], [this.owner]).catch(() => undefined);
  }

  /** Called when the broker refused a publish for want of the lock. */
  lost(): void {
    this.set(false);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.timer === undefined) return;
    this.ticking = true;
    try {
      const held = (await runScript(this.commands, CLAIM_LOCK, [this.keys.publisher], [this.owner, String(this.ttlMs)])) === 1;
      // Stopped while the claim was on its way: a server that is closing never starts publishing.
      if (this.timer === undefined) return;
      if (held) this.renewedAt = performance.now();
      this.set(held);
    } catch {
      if (this.held && performance.now() - this.renewedAt >= this.ttlMs) this.set(false);
    } finally {
      this.ticking = false;
    }
    if (this.timer !== undefined) await this.afterTick().catch(() => undefined);
  }

  private set(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.onChange(held);
  }
}
