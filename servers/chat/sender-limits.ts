import { WirelabError } from '../../wire/errors.js';
import { MessageRateLimiter } from '../rate-limiter.js';

interface Entry {
  readonly limiter: MessageRateLimiter;
  lastMs: number;
}

/** A sender silent this long has no strikes left to count, so its limiter is forgotten. */
const FORGET_AFTER_MS = 3000;

/**
 * The message rate limit of `POST /chat`, per sender id: the same limiter, rate and strike rule
 * as one WebSocket connection has. Limiters of senders silent for a few seconds are dropped by
 * a sweep once a second; at most `maxSenders` are tracked at once.
 */
export class SenderLimits {
  private readonly senders = new Map<string, Entry>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly perSecond: number,
    private readonly strikesToClose: number,
    private readonly maxSenders: number,
  ) {
    this.sweep = setInterval(() => this.forgetSilent(Date.now()), 1000);
    this.sweep.unref();
  }

  /** The verdict on one more message from `sender` at `nowMs`. Throws WL_CHAT_CAPACITY when too many senders are active. */
  take(sender: string, nowMs: number): 'ok' | 'refuse' | 'close' {
    let entry = this.senders.get(sender);
    if (entry === undefined) {
      if (this.senders.size >= this.maxSenders) throw new WirelabError('WL_CHAT_CAPACITY', `${this.maxSenders} senders are active already`);
      entry = { limiter: new MessageRateLimiter(this.perSecond, this.strikesToClose), lastMs: nowMs };
      this.senders.set(sender, entry);
    }
    entry.lastMs = nowMs;
    return entry.limiter.take(nowMs);
  }

  close(): void {
    clearInterval(this.sweep);
    this.senders.clear();
  }

  private forgetSilent(nowMs: number): void {
    for (const [sender, entry] of this.senders) if (nowMs - entry.lastMs > FORGET_AFTER_MS) this.senders.delete(sender);
  }
}
