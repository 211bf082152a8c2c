/**
 * Counts one client's messages in one-second windows laid on a grid that starts at its first
 * message. A window over the limit is a strike; `strikesToClose` strikes in consecutive windows
 * mean the client should be cut off. A window at or under the limit, or a silent one, ends the
 * run of strikes: bursts separated by quiet seconds are refused message by message, never closed.
 */
export class MessageRateLimiter {
  private windowStart: number | undefined;
  private inWindow = 0;
  private strikes = 0;
  private struckThisWindow = false;

  constructor(
    private readonly perSecond: number,
    private readonly strikesToClose: number,
  ) {}

  /**
   * 'ok' to accept the message, 'refuse' to answer it with an error, 'close' to end the
   * connection. `nowMs` is any millisecond clock that does not go backwards.
   */
  take(nowMs: number): 'ok' | 'refuse' | 'close' {
    if (this.windowStart === undefined) this.windowStart = nowMs;
    const windowsPassed = Math.floor((nowMs - this.windowStart) / 1000);
    if (windowsPassed > 0) {
      // Only the window right after a struck one continues the run.
      if (windowsPassed > 1 || !this.struckThisWindow) this.strikes = 0;
      this.windowStart += windowsPassed * 1000;
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
