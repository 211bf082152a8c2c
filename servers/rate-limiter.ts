/**
 * Counts one client's messages in fixed one-second windows. A window over the limit is a
 * strike; `strikesToClose` consecutive windows over the limit mean the client should be cut off.
 */
export class MessageRateLimiter {
  private windowStart = 0;
  private inWindow = 0;
  private strikes = 0;
  private struckThisWindow = false;

  constructor(
    private readonly perSecond: number,
    private readonly strikesToClose: number,
  ) {}

  /** 'ok' to accept the message, 'refuse' to answer it with an error, 'close' to end the connection. */
  take(nowMs: number): 'ok' | 'refuse' | 'close' {
    if (nowMs - this.windowStart >= 1000) {
      if (!this.struckThisWindow) this.strikes = 0;
      this.windowStart = nowMs;
      this.inWindow = 0;
      this.struckThisWindow = false;
    }
    this.inWindow += 1;
    if (this.inWindow <= this.perSecond) return 'ok';
    if (!this.struckThisWindow) {
      this.struckThisWindow = true;
      this.strikes += 1;
    }
    return this.strikes >= this.strikesToClose ? 'close' : 'refuse';
  }
}
