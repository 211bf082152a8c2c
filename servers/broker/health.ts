import { describeError } from './connection.js';

/**
 * Whether this instance is in touch with the broker. Up once the stream reader has checked its
 * copy against the broker; down from the first failed command or lost connection until then.
 */
export class BrokerHealth {
  private isUp = false;
  private downSince: number | undefined = performance.now();
  /** Times the broker went from up to down. */
  outages = 0;
  lastError: string | undefined;

  get up(): boolean {
    return this.isUp;
  }

  markUp(): void {
    this.isUp = true;
    this.downSince = undefined;
  }

  markDown(error: unknown): void {
    this.lastError = describeError(error);
    if (!this.isUp) return;
    this.isUp = false;
    this.outages += 1;
    this.downSince = performance.now();
  }

  /** How long the current outage has lasted; 0 while up. */
  downForMs(): number {
    return this.downSince === undefined ? 0 : Math.round(performance.now() - this.downSince);
  }
}
