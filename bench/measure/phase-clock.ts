import { setTimeout as delay } from 'node:timers/promises';
import type { Phase, ProgressEvent } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

/**
 * What every protocol run does between its steps: says which phase it is in (a `phase` event
 * with the time since the run started) and waits in a way an interrupt ends at once. One
 * place for wirelab's own server (protocol-run.ts) and a foreign target (foreign-protocol.ts).
 */
export class PhaseClock {
  private current: Phase = 'connecting';

  constructor(
    private readonly protocol: ProtocolName,
    private readonly context: { readonly runStartedAt: number; readonly emit: (event: ProgressEvent) => void },
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The phase the run is in (the per-second sampler reads it). */
  get phase(): Phase {
    return this.current;
  }

  /** Enters `next`, announcing it; `durationMs` when the phase has a known length (idle). */
  set(next: Phase, durationMs?: number): void {
    this.current = next;
    this.context.emit({
      type: 'phase',
      protocol: this.protocol,
      phase: next,
      t: Math.round(performance.now() - this.context.runStartedAt),
      ...(durationMs === undefined ? {} : { durationMs }),
    });
  }

  /** Waits `ms`, or rejects with the signal's reason as soon as the run is interrupted. */
  wait(ms: number): Promise<void> {
    return delay(ms, undefined, this.signal === undefined ? {} : { signal: this.signal });
  }
}
